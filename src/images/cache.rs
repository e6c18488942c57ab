//! The cache of processed images, in the site's `.zhan/cache/images/`:
//! `index.json` remembers each image file's size and modification time
//! with what probing it found (so an unchanged photo is not even read
//! again), and a folder per key holds its encoded variants (`720.jpg`), so
//! an unchanged photo is never encoded twice, by `zhan build` or `zhan
//! serve`. Deleting the folder is always safe: it is made again.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::{ImageInfo, RECIPE, encode, probe};

/// Where the cache is, relative to the site folder. Hidden: the loader,
/// the watcher and the output never look into dot folders.
pub const CACHE_DIR: &str = ".zhan/cache/images";
const INDEX: &str = "index.json";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stamped {
    size: u64,
    /// Nanoseconds since 1970.
    modified: u64,
    info: ImageInfo,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    recipe: String,
    /// By content path (`news/kaimu/photo.jpg`).
    files: HashMap<String, Stamped>,
    /// The size and hash (XXH3, the output manifest's) of each variant, by
    /// key: a build reuses the variants an output folder already holds
    /// without reading them.
    #[serde(default)]
    variants: HashMap<u64, Vec<(u64, u64)>>,
}

/// The image cache of one site.
pub struct Cache {
    dir: PathBuf,
    /// False for `zhan check`, which writes nothing.
    writable: bool,
    index: Mutex<Index>,
    changed: AtomicBool,
    encoded: AtomicUsize,
}

fn nanos(time: Option<SystemTime>) -> Option<u64> {
    let since = time?.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    u64::try_from(since.as_nanos()).ok()
}

impl Cache {
    /// The cache of the site at `root`, its index read if there is one.
    pub fn open(root: &Path, writable: bool) -> Cache {
        let dir = root.join(CACHE_DIR);
        let index = std::fs::read(dir.join(INDEX))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Index>(&bytes).ok())
            .filter(|index| index.recipe == RECIPE)
            .unwrap_or_else(|| Index {
                recipe: RECIPE.to_string(),
                ..Index::default()
            });
        Cache {
            dir,
            writable,
            index: Mutex::new(index),
            changed: AtomicBool::new(false),
            encoded: AtomicUsize::new(0),
        }
    }

    fn index(&self) -> std::sync::MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many images were encoded since the last call (the others came
    /// from the cache).
    pub fn take_encoded(&self) -> usize {
        self.encoded.swap(0, Ordering::Relaxed)
    }

    /// What the image at content path `rel` (the file `source`, of `size`
    /// bytes, modified at `modified`) is: from the index when the file is
    /// as it was. Otherwise the file is read and decoded whole, so that a
    /// damaged photo is found before anything is written; its variants are
    /// encoded then (unless the cache has them already), and kept.
    pub fn probe(
        &self,
        rel: &str,
        source: &Path,
        size: u64,
        modified: Option<SystemTime>,
    ) -> Result<ImageInfo, String> {
        // A file modified in the last 3 seconds is read again: its time
        // could hide a second save in the same clock tick (2 s on FAT).
        let settled = modified
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age.as_secs() >= 3);
        let modified = nanos(modified);
        if let Some(stamped) = self.index().files.get(rel).filter(|_| settled) {
            if Some(stamped.modified) == modified && stamped.size == size {
                return Ok(stamped.info.clone());
            }
        }
        let bytes = std::fs::read(source).map_err(|e| e.to_string())?;
        let info = probe(&bytes)?;
        if self.cached(&info).is_none() {
            if self.writable {
                let encoded = encode(&bytes, &info)?;
                self.encoded.fetch_add(1, Ordering::Relaxed);
                self.keep(&info, &encoded);
            } else {
                super::check(&bytes, &info)?;
            }
        }
        if let Some(modified) = modified {
            self.index().files.insert(
                rel.to_string(),
                Stamped {
                    size: bytes.len() as u64,
                    modified,
                    info: info.clone(),
                },
            );
            self.changed.store(true, Ordering::Relaxed);
        }
        Ok(info)
    }

    /// The cached variants of `info`'s files, in the order of
    /// [`ImageInfo::widths`], if the cache has them all.
    fn cached(&self, info: &ImageInfo) -> Option<Vec<Vec<u8>>> {
        let folder = self.dir.join(format!("{:016x}", info.key));
        info.widths()
            .iter()
            .map(|w| std::fs::read(folder.join(format!("{w}.{}", info.extension()))).ok())
            .collect()
    }

    /// The size and hash of each variant of `info`, in the order of
    /// [`ImageInfo::widths`], when known.
    pub fn known(&self, info: &ImageInfo) -> Option<Vec<(u64, u64)>> {
        self.index().variants.get(&info.key).cloned()
    }

    fn remember(&self, info: &ImageInfo, encoded: &[Vec<u8>]) {
        let sums = encoded
            .iter()
            .map(|b| (b.len() as u64, xxhash_rust::xxh3::xxh3_64(b)))
            .collect();
        if self.index().variants.insert(info.key, sums).is_none() {
            self.changed.store(true, Ordering::Relaxed);
        }
    }

    /// Keeps encoded variants in the cache. Each is written under another
    /// name and renamed, so a build stopped midway never leaves half a file
    /// in the cache. A cache that cannot be written costs time, not
    /// correctness.
    fn keep(&self, info: &ImageInfo, encoded: &[Vec<u8>]) {
        if !self.writable {
            return;
        }
        self.remember(info, encoded);
        let folder = self.dir.join(format!("{:016x}", info.key));
        if std::fs::create_dir_all(&folder).is_err() {
            return;
        }
        for (w, data) in info.widths().iter().zip(encoded) {
            let name = folder.join(format!("{w}.{}", info.extension()));
            let partial = folder.join(format!("{w}.part-{}", std::process::id()));
            if std::fs::write(&partial, data).is_ok() {
                let _ = std::fs::rename(&partial, name);
            }
        }
    }

    /// The encoded variants of the image `source` described by `info`, in
    /// the order of [`ImageInfo::widths`]: from the cache (where probing
    /// left them), or encoded again when the cache lost them.
    pub fn variants(&self, source: &Path, info: &ImageInfo) -> Result<Vec<Vec<u8>>, String> {
        if let Some(cached) = self.cached(info) {
            if self.writable && self.known(info).is_none() {
                self.remember(info, &cached);
            }
            return Ok(cached);
        }
        let bytes = std::fs::read(source).map_err(|e| e.to_string())?;
        if super::key_of(&bytes) != info.key {
            return Err("the file changed while the site was built".to_string());
        }
        let encoded = encode(&bytes, info)?;
        self.encoded.fetch_add(1, Ordering::Relaxed);
        self.keep(info, &encoded);
        Ok(encoded)
    }

    /// Writes the index when probing added to it.
    pub fn save(&self) {
        if !self.writable || !self.changed.swap(false, Ordering::Relaxed) {
            return;
        }
        let Ok(json) = serde_json::to_vec(&*self.index()) else {
            return;
        };
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let partial = self
            .dir
            .join(format!("{INDEX}.part-{}", std::process::id()));
        if std::fs::write(&partial, json).is_ok() {
            let _ = std::fs::rename(&partial, self.dir.join(INDEX));
        }
    }

    /// Forgets the images that are no longer in the site (`current`, by
    /// content path): their index entries, and the variants no current
    /// image uses. Called after a whole build, which saw every image.
    pub fn prune(&self, current: &HashSet<&str>) {
        if !self.writable {
            return;
        }
        let keep: HashSet<String> = {
            let mut index = self.index();
            let before = index.files.len();
            index
                .files
                .retain(|path, _| current.contains(path.as_str()));
            if index.files.len() != before {
                self.changed.store(true, Ordering::Relaxed);
            }
            let keys: HashSet<u64> = index.files.values().map(|s| s.info.key).collect();
            index.variants.retain(|key, _| keys.contains(key));
            keys.iter().map(|key| format!("{key:016x}")).collect()
        };
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_key = name.len() == 16 && name.chars().all(|c| c.is_ascii_hexdigit());
            if is_key && !keep.contains(&name) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        self.save();
    }
}
