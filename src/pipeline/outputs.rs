//! The outputs made beside the pages: the search index, the files made
//! from the content (calendars, menus, open data, feeds), the sitemap and
//! robots.txt, and the files copied as they are.

use super::*;

impl Workspace {
    /// (its list of pages, kind names, categories), else brought up to date
    /// by the entries an edit touched; only the files that changed are
    /// written. Returns the index and the uids of its pages, in order.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_search(
        &self,
        target: &Target,
        site: &Site,
        engine: &Engine,
        previous: Option<SearchIndex>,
        previous_uids: Option<&[u32]>,
        wanted: &(dyn Fn(&OutputKey) -> bool + Sync),
        made: &mut Vec<Made>,
        diagnostics: &mut Diagnostics,
    ) -> (Option<SearchIndex>, Vec<u32>) {
        let whole = Reads::new(site, engine.strings());
        let searchable: Vec<usize> = write::SEARCH_KINDS
            .iter()
            .flat_map(|&k| whole.of_kind(k).iter().copied())
            .collect::<BTreeSet<usize>>()
            .into_iter()
            .collect();
        let uids: Vec<u32> = searchable.iter().map(|&i| site.uids[i]).collect();
        let for_disk = whole.config().for_disk;
        let as_written = |changed: write::search::Changed| {
            if for_disk {
                changed.into_scripts()
            } else {
                changed
            }
        };
        if !whole.config().search {
            // Turned off: an index left in place from before goes.
            if let (Some(index), Target::InPlace(_)) = (previous, target) {
                let files = as_written(write::search::Changed {
                    write: index.files(),
                    remove: Vec::new(),
                });
                for (path, _) in files.write {
                    if let Err(e) = target.remove(&path) {
                        diagnostics.push(write_error(&path, &e));
                    }
                }
            }
            return (None, Vec::new());
        }
        let kinds: Vec<String> = write::SEARCH_KINDS
            .iter()
            .map(|k| {
                whole
                    .strings()
                    .get(&format!("kind_{}", k.name()))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let categories = whole.config().vocabularies.service_category.clone();
        let shared = whole.shared();
        let entry = |d: usize, i: usize| {
            let r = shared.reads();
            let doc = write::search_doc(&r, i);
            (d, doc, r.into_deps())
        };
        let whole_key = OutputKey::SearchIndex;
        let remake =
            previous.is_none() || previous_uids != Some(uids.as_slice()) || wanted(&whole_key);
        // Each entry's deps, by its page number; the docs go to the index.
        let mut entry_deps: Vec<(usize, Vec<Dep>)> = Vec::new();
        let (index, changed) = match previous {
            Some(mut index) if !remake => {
                let entries: Vec<(usize, write::search::SearchDoc, Vec<Dep>)> = searchable
                    .par_iter()
                    .enumerate()
                    .filter(|(d, _)| wanted(&OutputKey::Search(uids[*d])))
                    .map(|(d, &i)| entry(d, i))
                    .collect();
                let mut edits = Vec::with_capacity(entries.len());
                for (d, doc, deps) in entries {
                    edits.push((d, doc));
                    entry_deps.push((d, deps));
                }
                let changed = index.update_docs(edits);
                (index, changed)
            }
            previous => {
                let entries: Vec<(usize, write::search::SearchDoc, Vec<Dep>)> =
                    in_step::map_in_step(&searchable, || (), |(), d, &i| entry(d, i));
                let mut docs = Vec::with_capacity(entries.len());
                for (d, doc, deps) in entries {
                    docs.push(doc);
                    entry_deps.push((d, deps));
                }
                let index = SearchIndex::new(kinds, categories, docs);
                let changed = match (previous, target) {
                    (Some(old), Target::InPlace(_)) => old.changes_to(&index),
                    // Into an empty folder: every file, written as it is made.
                    _ => {
                        let failures = index.each_file(|path, bytes| {
                            let write = |path: &str, bytes: &[u8]| {
                                target
                                    .write(path, bytes)
                                    .err()
                                    .map(|e| write_error(path, &e))
                            };
                            if for_disk {
                                let (path, script) = write::search::as_script(&path, &bytes);
                                write(&path, &script)
                            } else {
                                write(&path, &bytes)
                            }
                        });
                        failures.into_iter().for_each(|d| diagnostics.push(d));
                        write::search::Changed::default()
                    }
                };
                (index, changed)
            }
        };
        let changed = as_written(changed);
        made.extend(entry_deps.into_iter().map(|(d, deps)| Made {
            key: OutputKey::Search(uids[d]),
            record: Record {
                deps,
                files: Vec::new(),
            },
            changed: Vec::new(),
        }));
        made.push(Made {
            key: whole_key,
            record: Record {
                deps: whole.into_deps(),
                files: Vec::new(),
            },
            changed: Vec::new(),
        });
        let failures: Vec<Diagnostic> = changed
            .write
            .par_iter()
            .filter_map(|(path, bytes)| {
                target
                    .write(path, bytes)
                    .err()
                    .map(|e| write_error(path, &e))
            })
            .chain(
                changed
                    .remove
                    .par_iter()
                    .filter_map(|path| target.remove(path).err().map(|e| write_error(path, &e))),
            )
            .collect();
        failures.into_iter().for_each(|d| diagnostics.push(d));
        (Some(index), uids)
    }

    /// The files made from the content: calendars, menus, open data, feeds,
    /// the sitemap and robots.txt — those `wanted`, each with what it read
    /// and its bytes.
    pub(super) fn make_files(
        &self,
        site: &Site,
        engine: &Engine,
        planned: &[Planned],
        wanted: &(dyn Fn(&OutputKey) -> bool + Sync),
        same: &(dyn Fn(&[Dep]) -> bool + Sync),
        write_file: &WriteFile<'_>,
    ) -> Vec<(Made, Vec<Diagnostic>)> {
        let strings = engine.strings();
        let finish = |key: OutputKey, r: Reads, files: Vec<(String, Vec<u8>)>| {
            let mut names = Vec::with_capacity(files.len());
            let mut changed = Vec::new();
            let mut errors = Vec::new();
            for (path, data) in files {
                let hash = hash_bytes(&data);
                match write_file(&key, &path, &data, hash) {
                    Ok(true) => changed.push(path.clone()),
                    Ok(false) => {}
                    Err(d) => errors.push(d),
                }
                names.push((path, hash));
            }
            let record = Record {
                deps: r.into_deps(),
                files: names,
            };
            (
                Made {
                    key,
                    record,
                    changed,
                },
                errors,
            )
        };
        let jobs: Vec<(OutputKey, write::ContentJob)> = write::content_plan(site)
            .into_iter()
            .map(|job| (OutputKey::Content(job.key(site)), job))
            .filter(|(key, _)| wanted(key))
            .collect();
        let mut outputs: Vec<(Made, Vec<Diagnostic>)> = in_step::map_in_step(
            &jobs,
            || (),
            |(), _, (key, job)| {
                let r = Reads::new(site, strings);
                let files = write::make_content(&r, *job, &self.data_entries, same);
                finish(key.clone(), r, files)
            },
        );
        if wanted(&OutputKey::Sitemap) {
            let r = Reads::new(site, strings);
            let xml = write::sitemap(&r, planned).into_bytes();
            outputs.push(finish(
                OutputKey::Sitemap,
                r,
                vec![("sitemap.xml".to_string(), xml)],
            ));
        }
        if wanted(&OutputKey::Robots) {
            let r = Reads::new(site, strings);
            let text = write::robots(r.config()).into_bytes();
            outputs.push(finish(
                OutputKey::Robots,
                r,
                vec![("robots.txt".to_string(), text)],
            ));
        }
        outputs
    }

    /// The theme's static files and the highlight stylesheet: written when
    /// new or changed (all, into a staging folder). Adds the fingerprint of
    /// each to `files`; false after an error.
    pub(super) fn write_theme_files(
        &self,
        target: &Target,
        engine: &Engine,
        files: &mut BTreeMap<String, u64>,
        report: &mut Report,
        diagnostics: &mut Diagnostics,
    ) -> bool {
        let before = self.copied_before(target);
        let mut generated: Vec<(String, Vec<u8>)> = Vec::new();
        if !engine.static_files.contains_key("css/highlight.css") {
            generated.push((
                "css/highlight.css".to_string(),
                markdown::highlight::stylesheet().as_bytes().to_vec(),
            ));
        }
        for (rel, bytes) in &engine.static_files {
            match theme::read_bytes(bytes) {
                Ok(data) => generated.push((rel.clone(), data)),
                Err(e) => diagnostics.push(write_error(rel, &e)),
            }
        }
        // (path, fingerprint, whether it was written, the error if any)
        let results: Vec<(String, u64, bool, Option<Diagnostic>)> = generated
            .into_par_iter()
            .map(|(rel, data)| {
                let fp = hash_bytes(&data);
                if before.and_then(|b| b.get(&rel)) == Some(&fp) {
                    return (rel, fp, false, None);
                }
                let error = target
                    .write(&rel, &data)
                    .err()
                    .map(|e| write_error(&rel, &e));
                (rel, fp, true, error)
            })
            .collect();
        let mut ok = true;
        for (rel, fp, written, error) in results {
            if let Some(d) = error {
                diagnostics.push(d);
                ok = false;
            }
            if written {
                report.copied += 1;
                if rel.ends_with(".css") || rel.ends_with(".js") {
                    report.everything = true;
                }
            }
            files.insert(rel, fp);
        }
        ok
    }

    /// The assets beside the pages other than photos: copied when new or
    /// changed (all, into a staging folder). Adds the fingerprint of each
    /// to `files`; false after an error.
    pub(super) fn copy_assets(
        &self,
        target: &Target,
        site: &Site,
        files: &mut BTreeMap<String, u64>,
        report: &mut Report,
        diagnostics: &mut Diagnostics,
    ) -> bool {
        let before = self.copied_before(target);
        // Photos are published only as their processed variants (see
        // `write_images`), never as they are: not even one that could not
        // be read (the build stops on it).
        let assets: Vec<(&Asset, u64)> = site
            .assets
            .iter()
            .filter(|a| !images::is_image(&a.path))
            .map(|a| (a, fingerprint::of_asset(a)))
            .collect();
        let copies: Vec<Result<usize, Diagnostic>> = assets
            .par_iter()
            .filter(|(a, fp)| before.and_then(|b| b.get(&a.path)) != Some(fp))
            .map(|(a, _)| {
                target
                    .copy(&a.path, &a.source)
                    .map(|()| 1)
                    .map_err(|e| write_error(&a.path, &e))
            })
            .collect();
        let ok = tally(copies, report, diagnostics);
        for (a, fp) in assets {
            files.insert(a.path.clone(), fp);
        }
        ok
    }

    /// The files copied into the output by the last pass, when writing in
    /// place (a staging folder starts empty).
    fn copied_before(&self, target: &Target) -> Option<&BTreeMap<String, u64>> {
        match target {
            Target::InPlace(_) => self.written.as_ref().map(|w| &w.copies),
            Target::Staging(_) => None,
        }
    }

    /// The variants of every photo (see `crate::images`), from the image
    /// cache or encoded now, a photo per core at a time; written when new
    /// or changed. Adds the fingerprint of each file to `files`; false
    /// after an error.
    pub(super) fn write_images(
        &self,
        target: &Target,
        site: &Site,
        files: &mut BTreeMap<String, u64>,
        report: &mut Report,
        diagnostics: &mut Diagnostics,
    ) -> bool {
        let before = self.copied_before(target);
        // A variant's bytes follow from the source's (the key) and the
        // recipe, which the key includes.
        let photos: Vec<Photo> = site
            .assets
            .iter()
            .filter_map(|a| {
                let info = a.image.as_deref()?;
                Some((a, info, info.variants(&a.path)))
            })
            .collect();
        let results: Vec<Result<usize, Diagnostic>> = photos
            .par_iter()
            .filter(|(_, info, variants)| {
                let before =
                    before.map(|b| variants.iter().all(|(_, p)| b.get(p) == Some(&info.key)));
                before != Some(true)
            })
            .map(|(a, info, variants)| {
                // Into a staging folder, the old output's files are reused
                // unread when their hashes are those the cache knows.
                let reused = self.images.known(info).is_some_and(|sums| {
                    sums.len() == variants.len()
                        && variants
                            .iter()
                            .zip(&sums)
                            .all(|((_, path), &(size, hash))| target.reuse_known(path, size, hash))
                });
                if reused {
                    return Ok(variants.len());
                }
                let encoded = self.images.variants(&a.source, info).map_err(|detail| {
                    Diagnostic::error(a.display.as_str(), Pos::START, "E-IMAGE-UNREADABLE")
                        .arg("detail", detail)
                        .with_hint("H-IMAGE-UNREADABLE")
                })?;
                for ((_, path), bytes) in variants.iter().zip(&encoded) {
                    target
                        .write(path, bytes)
                        .map_err(|e| write_error(path, &e))?;
                }
                Ok(variants.len())
            })
            .collect();
        let ok = tally(results, report, diagnostics);
        for (_, info, variants) in photos {
            for (_, path) in variants {
                files.insert(path, info.key);
            }
        }
        self.images.save();
        ok
    }

    /// Removes, in place, the copied files the last pass wrote that this
    /// one did not (`files`).
    pub(super) fn remove_gone_copies(
        &self,
        target: &Target,
        files: &BTreeMap<String, u64>,
        diagnostics: &mut Diagnostics,
    ) {
        if let Some(before) = self.copied_before(target) {
            for gone in before.keys().filter(|k| !files.contains_key(*k)) {
                if let Err(e) = target.remove(gone) {
                    diagnostics.push(write_error(gone, &e));
                }
            }
        }
    }
}

/// Counts the files each job wrote into the report's copies and passes on
/// its error; false after one.
fn tally(
    results: Vec<Result<usize, Diagnostic>>,
    report: &mut Report,
    diagnostics: &mut Diagnostics,
) -> bool {
    let mut ok = true;
    for result in results {
        match result {
            Ok(n) => report.copied += n,
            Err(d) => {
                diagnostics.push(d);
                ok = false;
            }
        }
    }
    ok
}

/// A photo of the site, what probing it found, and its variants (their
/// widths and where they are published).
type Photo<'a> = (&'a Asset, &'a images::ImageInfo, Vec<(u32, String)>);

/// Writes one file of an output (its key, path, bytes and their hash) if it
/// must be; says whether it did.
pub(super) type WriteFile<'a> =
    dyn Fn(&OutputKey, &str, &[u8], u64) -> Result<bool, Diagnostic> + Sync + 'a;

/// An output made in this pass: what it read, what it wrote, and the files
/// whose bytes changed.
pub(super) struct Made {
    pub(super) key: OutputKey,
    pub(super) record: Record,
    pub(super) changed: Vec<String>,
}
