//! The category and audience directories: a term's services grouped by
//! station, the groups in the stations' order.

use crate::common;

use common::TestSite;

/// The station names of a term page's groups, in order.
fn group_names(page: &str) -> Vec<String> {
    page.split("<h2 id=\"term-group-")
        .skip(1)
        .filter_map(|rest| {
            let name = rest.split("</a></h2>").next()?;
            Some(name.rsplit('>').next()?.to_string())
        })
        .collect()
}

#[test]
fn a_term_lists_services_by_station_in_station_order() {
    let site = TestSite::new();
    // 西苑 comes first among stations (weight 1), though its services come
    // after 惠东's in the services' own order (by path).
    site.write(
        "content/stations/huidong.md",
        "---\ntitle: 惠东社区社工站\nweight: 2\n---\n\n## 站点简介\n\n惠东。\n",
    );
    site.write(
        "content/stations/xiyuan.md",
        "---\ntitle: 西苑社区社工站\nweight: 1\n---\n\n西苑。\n",
    );
    site.write(
        "content/services/huidong/zhucan.md",
        "---\ntitle: 长者助餐\ncategory: 助老服务\naudience: [老年人]\n---\n\n助餐。\n",
    );
    site.write(
        "content/services/xiyuan/peiban.md",
        "---\ntitle: 陪伴就医\ncategory: 助老服务\naudience: [老年人]\n---\n\n陪诊。\n",
    );
    let stderr = site.build().expect("build");
    let page = site.read("output/categories/助老服务/index.html");
    assert_eq!(
        group_names(&page),
        ["西苑社区社工站", "惠东社区社工站"],
        "{stderr}"
    );
    // Both of 惠东's services in its one group, after 西苑's.
    let xiyuan = page.find("陪伴就医").expect("xiyuan's service");
    let huidong = [page.find("空巢老人探访"), page.find("长者助餐")];
    assert!(huidong.iter().all(|at| at.is_some_and(|at| at > xiyuan)));
    let audience = site.read("output/audiences/老年人/index.html");
    assert_eq!(group_names(&audience), ["西苑社区社工站", "惠东社区社工站"]);
}
