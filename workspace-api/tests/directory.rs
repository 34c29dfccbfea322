//! Directory search and pagination, on SQLite and PostgreSQL alike.

mod common;

use common::TestApp;
use serde_json::{Value, json};

/// Two agencies and a handful of people chosen so each search rule has a witness.
async fn seed(app: &TestApp) -> (i64, i64) {
    let mois = app.create("/api/v1/agencies", json!({"code": "mois", "name_ko": "행정안전부", "name_en": "Ministry of the Interior and Safety"})).await;
    let me = app
        .create(
            "/api/v1/agencies",
            json!({"code": "me", "name_ko": "환경부", "name_en": "Ministry of Environment"}),
        )
        .await;
    let (mois, me) = (mois["id"].as_i64().unwrap(), me["id"].as_i64().unwrap());
    let people = [
        (mois, "김민수", "Kim Minsu", "minsu.kim@mois.go.kr"),
        (me, "민수", "Min Su", "minsu@me.go.kr"),
        (me, "민수정", "Min Sujeong", "sujeong.min@me.go.kr"),
        (me, "이민수", "Lee Minsu", "minsu.lee@me.go.kr"),
        (mois, "김민서", "Kim Minseo", "minseo.kim@mois.go.kr"),
        (mois, "박지훈", "Park Jihoon", "jhpark@mois.go.kr"),
        (me, "김수현", "Kim Suhyun", "suhyun.kim@me.go.kr"),
    ];
    for (agency, ko, en, email) in people {
        app.create(
            "/api/v1/employees",
            json!({"agency_id": agency, "name_ko": ko, "name_en": en, "email": email}),
        )
        .await;
    }
    (mois, me)
}

fn names(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name_ko"].as_str().unwrap().to_owned())
        .collect()
}

async fn search(app: &TestApp, query: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/employees?{query}")).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    names(&r.body)
}

/// Every page of `/employees?{query}` at `limit` per page, following `next_cursor`; the
/// names in the order served.
async fn walk(app: &TestApp, query: &str, limit: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = app
            .get(&format!("/api/v1/employees?{query}&limit={limit}{cursor}"))
            .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        let page = names(&r.body);
        assert!(page.len() <= limit, "{query}: {page:?}");
        seen.extend(page);
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return seen,
        }
    }
}

async fn delete(app: &TestApp, uri: &str, etag: &str) -> common::Resp {
    app.send(axum::http::Method::DELETE, uri, &[("if-match", etag)], None)
        .await
}

async fn two_syllable_partials_rank_exact_prefix_partial(app: TestApp) {
    seed(&app).await;
    // exact 민수, prefix 민수정, then partials by name: 김민수, 이민수.
    assert_eq!(
        search(&app, "q=민수").await,
        ["민수", "민수정", "김민수", "이민수"]
    );
    // contiguity: 김수 is not in 김민수.
    assert_eq!(search(&app, "q=김수").await, ["김수현"]);
}

async fn initial_consonants_match(app: TestApp) {
    seed(&app).await;
    assert_eq!(search(&app, "q=ㄱㅁㅅ").await, ["김민서", "김민수"]);
    // partial 초성: ㅁㅅ is inside ㄱㅁㅅ and ㅇㅁㅅ, a prefix of ㅁㅅ(ㅈ); exact 민수 first.
    assert_eq!(
        search(&app, "q=ㅁㅅ").await,
        ["민수", "민수정", "김민서", "김민수", "이민수"]
    );
}

async fn one_syllable_prefers_prefix(app: TestApp) {
    seed(&app).await;
    assert_eq!(search(&app, "q=김").await, ["김민서", "김민수", "김수현"]);
}

async fn english_names_and_email(app: TestApp) {
    seed(&app).await;
    assert_eq!(search(&app, "q=KIM%20MINSU").await, ["김민수"]);
    assert_eq!(search(&app, "q=minse").await, ["김민서"]);
    assert_eq!(search(&app, "q=jhpark").await, ["박지훈"]);
    // Longer than a stored gram: verified path; e-mail prefixes rank 1 for all three.
    assert_eq!(search(&app, "q=minsu").await, ["김민수", "민수", "이민수"]);
    assert_eq!(search(&app, "q=kim%20m").await, ["김민서", "김민수"]);
    assert_eq!(search(&app, "q=JHPark%40mois.go.kr").await, ["박지훈"]);
    assert_eq!(search(&app, "q=minsu.kim%40mo").await, ["김민수"]);
    // Domains are not indexed (the agency filter serves that need).
    assert!(search(&app, "q=mois.go.kr").await.is_empty());
    // "min su" is exact for 민수, prefix for Min Sujeong.
    assert_eq!(search(&app, "q=min%20su").await[..2], ["민수", "민수정"]);
}

async fn decomposed_input_is_composed(app: TestApp) {
    seed(&app).await;
    // 민수 typed as conjoining jamo (ᄆ ᅵ ᆫ ᄉ ᅮ), percent-encoded.
    let nfd = "%E1%84%86%E1%85%B5%E1%86%AB%E1%84%89%E1%85%AE";
    assert_eq!(search(&app, &format!("q={nfd}")).await[0], "민수");
}

async fn agency_filter(app: TestApp) {
    let (mois, me) = seed(&app).await;
    assert_eq!(
        search(&app, &format!("q=민수&agency={mois}")).await,
        ["김민수"]
    );
    assert_eq!(
        search(&app, &format!("q=민수&agency={me}")).await,
        ["민수", "민수정", "이민수"]
    );
    assert_eq!(
        search(&app, &format!("agency={mois}")).await,
        ["김민서", "김민수", "박지훈"]
    );
    app.get("/api/v1/employees?q=민수&agency=999999")
        .await
        .assert_problem(404, "agency_not_found");
    app.get("/api/v1/employees?agency=abc")
        .await
        .assert_problem(400, "invalid_query");
}

async fn edits_and_deletes_update_the_index(app: TestApp) {
    let (mois, me) = seed(&app).await;
    let e = app
        .create(
            "/api/v1/employees",
            json!({"agency_id": mois, "name_ko": "최영희"}),
        )
        .await;
    let uri = format!("/api/v1/employees/{}", e["id"]);
    let etag = app.get(&uri).await.etag();
    let r = app
        .patch(&uri, Some(&etag), json!({"name_ko": "최영수"}))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert!(search(&app, "q=영희").await.is_empty());
    assert_eq!(search(&app, "q=ㅊㅇㅅ").await, ["최영수"]);
    // Moving to another agency moves the entry between filtered searches.
    let r = app
        .patch(&uri, Some(&r.etag()), json!({"agency_id": me}))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert!(
        search(&app, &format!("q=영수&agency={mois}"))
            .await
            .is_empty()
    );
    assert_eq!(
        search(&app, &format!("q=영수&agency={me}")).await,
        ["최영수"]
    );
    let del = delete(&app, &uri, &r.etag()).await;
    assert_eq!(del.status, 204);
    assert!(search(&app, "q=영수").await.is_empty());
    app.get(&uri)
        .await
        .assert_problem(404, "employee_not_found");
}

async fn pages_walk_everything_once(app: TestApp) {
    let (mois, _) = seed(&app).await;
    for i in 0..18 {
        app.create(
            "/api/v1/employees",
            json!({"agency_id": mois, "name_ko": format!("홍길동{i:02}")}),
        )
        .await;
    }
    // 25 people in total; walk the plain list and a search in pages of 10.
    // The plain list, a short query (gram index) and a long one (verified path).
    for (query, total) in [("", 25), ("q=홍길", 18), ("q=홍길동0", 10)] {
        let seen = walk(&app, query, 10).await;
        assert_eq!(seen.len(), total, "{query}: {seen:?}");
        let mut dedup = seen.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), total);
    }
    let first = app.get("/api/v1/employees?limit=2").await;
    assert_eq!(names(&first.body), ["김민서", "김민수"]);
    let c = first.body["next_cursor"].as_str().unwrap();
    assert_eq!(
        search(&app, &format!("limit=2&cursor={c}")).await,
        ["김수현", "민수"]
    );
    app.get(&format!("/api/v1/employees?q=민수&cursor={c}"))
        .await
        .assert_problem(400, "invalid_cursor");
    app.get("/api/v1/employees?cursor=%21%21")
        .await
        .assert_problem(400, "invalid_cursor");
    app.get("/api/v1/employees?limit=0")
        .await
        .assert_problem(400, "invalid_query");
    app.get("/api/v1/employees?limit=1000")
        .await
        .assert_problem(400, "invalid_query");
    let agencies = app.get("/api/v1/agencies?limit=1").await;
    assert_eq!(agencies.body["items"][0]["code"], "mois");
    let next = agencies.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("/api/v1/agencies?limit=1&cursor={next}"))
        .await;
    assert_eq!(rest.body["items"][0]["code"], "me");
    assert_eq!(rest.body["next_cursor"], Value::Null);
}

async fn hostile_queries_never_fail(app: TestApp) {
    seed(&app).await;
    for q in [
        "%25",
        "_",
        "%5C",
        "'",
        "%27%20OR%201%3D1--",
        "%E2%80%8B",
        "%F0%9F%98%80",
        "a%20%20%20b",
        "%FF",
    ] {
        let r = app.get(&format!("/api/v1/employees?q={q}")).await;
        assert_eq!(r.status, 200, "q={q}: {:#}", r.body);
        assert!(r.body["items"].as_array().unwrap().is_empty(), "q={q}");
    }
    app.get("/api/v1/employees?q=%00")
        .await
        .assert_problem(400, "invalid_query");
    // A well-formed cursor for this very query, forged to carry a NUL.
    let forged = workspace_api::paging::encode_cursor("employees||0", &(0, "\u{0}", 1));
    app.get(&format!("/api/v1/employees?cursor={forged}"))
        .await
        .assert_problem(400, "invalid_cursor");
    let forged = workspace_api::paging::encode_cursor("employees||0", &(i64::MAX, "", i64::MIN));
    assert_eq!(
        app.get(&format!("/api/v1/employees?cursor={forged}"))
            .await
            .status,
        200
    );
    let long = "가".repeat(101);
    app.get(&format!("/api/v1/employees?q={long}"))
        .await
        .assert_problem(400, "invalid_query");
    app.get("/api/v1/employees?bogus=1")
        .await
        .assert_problem(400, "invalid_query");
}

async fn long_queries_need_every_trigram_in_one_run(app: TestApp) {
    let (mois, _) = seed(&app).await;
    // `abc` and `bcd` are each held by many; both only by the last two, and `abcd` as one
    // run of text only by the last one (the other holds them apart).
    let mut people = vec![];
    for i in 0..12 {
        people.push((format!("가{i:02}"), format!("Abcx Tan{i:02}")));
        people.push((format!("나{i:02}"), format!("Xbcd Tan{i:02}")));
    }
    people.push(("다다".into(), "Abc Bcd".into()));
    people.push(("라라".into(), "Zabcd Yoo".into()));
    people.push(("마마".into(), "Tan01 Abcx".into()));
    people.push(("바바".into(), "Tan01".into()));
    for (ko, en) in people {
        app.create(
            "/api/v1/employees",
            json!({"agency_id": mois, "name_ko": ko, "name_en": en}),
        )
        .await;
    }
    assert_eq!(search(&app, "q=abcd").await, ["라라"]);
    assert_eq!(search(&app, "q=zabcd%20yoo").await, ["라라"]);
    assert_eq!(search(&app, "q=abc%20b").await, ["다다"]);
    // A trigram nobody holds (`dx`…): nothing, whatever the others hold.
    assert!(search(&app, "q=abcdx").await.is_empty());
    assert!(search(&app, "q=minsux").await.is_empty());
    // Ranking still holds on the joined path: exact, then prefix, then partial by name.
    assert_eq!(search(&app, "q=abcx%20tan01").await, ["가01"]);
    assert_eq!(
        search(&app, "q=tan01").await,
        ["바바", "마마", "가01", "나01"]
    );
    assert_eq!(search(&app, "q=xbcd%20tan1").await.len(), 2);
}

/// 기획조정실 > (기획재정담당관, 혁신행정담당관 > 혁신팀), and 감사관 beside it.
async fn unit_filter_takes_the_units_below(app: TestApp) {
    let (mois, me) = seed(&app).await;
    let units = format!("/api/v1/agencies/{mois}/units");
    let unit = |v: Value| v["id"].as_i64().unwrap();
    let top = unit(app.create(&units, json!({"name_ko": "기획조정실"})).await);
    let plan = unit(
        app.create(
            &units,
            json!({"name_ko": "기획재정담당관", "parent_id": top}),
        )
        .await,
    );
    let inno = unit(
        app.create(
            &units,
            json!({"name_ko": "혁신행정담당관", "parent_id": top}),
        )
        .await,
    );
    let team = unit(
        app.create(&units, json!({"name_ko": "혁신팀", "parent_id": inno}))
            .await,
    );
    let audit = unit(app.create(&units, json!({"name_ko": "감사관"})).await);
    for (ko, en, u) in [
        ("강민수", "Kang Minsu", top),
        ("윤민수", "Yoon Minsu", plan),
        ("서민수", "Seo Minsu", team),
        ("조민수", "Jo Minsu", audit),
        ("한지우", "Han Jiwoo", team),
    ] {
        app.create(
            "/api/v1/employees",
            json!({"agency_id": mois, "unit_id": u, "name_ko": ko, "name_en": en}),
        )
        .await;
    }
    assert_eq!(
        search(&app, &format!("unit={top}")).await,
        ["강민수", "서민수", "윤민수", "한지우"]
    );
    assert_eq!(
        search(&app, &format!("unit={inno}")).await,
        ["서민수", "한지우"]
    );
    assert_eq!(
        search(&app, &format!("unit={team}&q=민수")).await,
        ["서민수"]
    );
    assert_eq!(
        search(&app, &format!("unit={audit}&q=ㅈㅁㅅ")).await,
        ["조민수"]
    );
    assert_eq!(
        search(&app, &format!("unit={top}&q=minsu")).await,
        ["강민수", "서민수", "윤민수"]
    );
    assert_eq!(
        search(&app, &format!("unit={top}&agency={mois}&q=민수")).await,
        ["강민수", "서민수", "윤민수"]
    );
    // Filters combine: a unit of one agency has nobody of another.
    assert!(
        search(&app, &format!("unit={top}&agency={me}"))
            .await
            .is_empty()
    );
    // Pages of a unit's people, and their cursor continues only that query.
    let first = app
        .get(&format!("/api/v1/employees?unit={top}&limit=3"))
        .await;
    assert_eq!(names(&first.body), ["강민수", "서민수", "윤민수"]);
    let c = first.body["next_cursor"].as_str().unwrap();
    assert_eq!(
        search(&app, &format!("unit={top}&limit=3&cursor={c}")).await,
        ["한지우"]
    );
    app.get(&format!("/api/v1/employees?unit={inno}&limit=3&cursor={c}"))
        .await
        .assert_problem(400, "invalid_cursor");
    app.get(&format!("/api/v1/employees?limit=3&cursor={c}"))
        .await
        .assert_problem(400, "invalid_cursor");
    app.get("/api/v1/employees?unit=999999")
        .await
        .assert_problem(404, "unit_not_found");
    app.get("/api/v1/employees?unit=x")
        .await
        .assert_problem(400, "invalid_query");
}

/// A unit listed without text merges each unit's own page: names that interleave across the
/// units, and the same name in two units, come out in one order, each once, page after page.
async fn unit_listing_merges_the_units_in_name_order(app: TestApp) {
    let (mois, me) = seed(&app).await;
    let units = format!("/api/v1/agencies/{mois}/units");
    let unit = |v: Value| v["id"].as_i64().unwrap();
    let top = unit(app.create(&units, json!({"name_ko": "기획조정실"})).await);
    let a = unit(
        app.create(&units, json!({"name_ko": "가과", "parent_id": top}))
            .await,
    );
    let b = unit(
        app.create(&units, json!({"name_ko": "나과", "parent_id": top}))
            .await,
    );
    let other = unit(app.create(&units, json!({"name_ko": "감사관"})).await);
    let mut expected = Vec::new();
    for (i, ko) in ["가", "다", "마", "바", "사", "자", "차"]
        .iter()
        .enumerate()
    {
        // Round-robin over the three units of the 실, and a twin of one name elsewhere.
        let u = [top, a, b][i % 3];
        for name in [format!("{ko}수"), format!("{ko}진")] {
            app.create(
                "/api/v1/employees",
                json!({"agency_id": mois, "unit_id": u, "name_ko": name}),
            )
            .await;
            expected.push(name);
        }
        if i == 2 {
            for u in [b, other] {
                app.create(
                    "/api/v1/employees",
                    json!({"agency_id": mois, "unit_id": u, "name_ko": "마수"}),
                )
                .await;
            }
            expected.push("마수".into());
        }
    }
    expected.sort();
    for limit in [1, 2, 3, 20] {
        let seen = walk(&app, &format!("unit={top}"), limit).await;
        assert_eq!(seen, expected, "limit={limit}");
    }
    // The agency filter still applies to each unit's page.
    assert_eq!(
        search(&app, &format!("unit={a}&agency={mois}")).await.len(),
        4
    );
    assert!(
        search(&app, &format!("unit={a}&agency={me}"))
            .await
            .is_empty()
    );
}

/// A long query reads the names equal to it or starting with it first (stored prefixes), then
/// verifies the rest: the pages are one order, exact, prefix, partial, secondary, each once,
/// whichever step serves them.
async fn long_queries_page_from_name_prefixes_into_verified_matches(app: TestApp) {
    let (mois, me) = seed(&app).await;
    let people = [
        ("가가", "Tanaka", None, None, mois),
        ("나04", "Tanaka Jiro", None, None, mois),
        ("나01", "Tanaka Ichi", None, None, mois),
        ("나03", "Tanaka Saburo", None, None, mois),
        ("나02", "Tanaka Ni", None, None, mois),
        ("나00", "Tanakayama", None, None, mois),
        (
            "다다",
            "Other Person",
            Some("tanaka.o@mois.go.kr"),
            None,
            mois,
        ),
        ("마마", "Kim Tanaka", None, None, mois),
        ("라라", "Mitanaka", None, None, mois),
        ("바바", "Lee Su", None, Some("Tanaka Building 3F"), mois),
        ("사사", "Tanaka Go", None, None, me),
    ];
    for (ko, en, email, location, agency) in people {
        app.create(
            "/api/v1/employees",
            json!({"agency_id": agency, "name_ko": ko, "name_en": en, "email": email,
                   "location": location}),
        )
        .await;
    }
    // Exact, then the prefixes (names and e-mail) by name, then partials, then a location.
    let expected = [
        "가가", "나00", "나01", "나02", "나03", "나04", "다다", "사사", "라라", "마마", "바바",
    ];
    for limit in [1, 2, 3, 5, 20] {
        let seen = walk(&app, "q=tanaka", limit).await;
        assert_eq!(seen, expected, "limit={limit}");
    }
    // Filters hold on the prefix step too.
    assert_eq!(
        search(&app, &format!("q=tanaka&agency={me}")).await,
        ["사사"]
    );
    assert_eq!(
        search(&app, &format!("q=tanaka&agency={mois}&limit=3")).await,
        ["가가", "나00", "나01"]
    );
    assert_eq!(search(&app, "q=tanaka%20jiro").await, ["나04"]);
    assert_eq!(search(&app, "q=tanaka.o").await, ["다다"]);
    // An edit moves the person out of the prefixes and into the partial matches.
    let found = app.get("/api/v1/employees?q=tanaka%20ni").await;
    let id = found.body["items"][0]["id"].as_i64().unwrap();
    let uri = format!("/api/v1/employees/{id}");
    let etag = app.get(&uri).await.etag();
    let r = app
        .patch(&uri, Some(&etag), json!({"name_en": "Ni Tanaka"}))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert!(search(&app, "q=tanaka%20ni").await.is_empty());
    assert_eq!(search(&app, "q=ni%20tanaka").await, ["나02"]);
    let all = search(&app, "q=tanaka&limit=20").await;
    assert_eq!(all.iter().position(|n| n == "나02"), Some(7), "{all:?}");
}

/// `gram_counts` against a count of `employee_grams` itself: the search trusts the table (a
/// gram counted 0 ends a search at once), so every path that changes grams must keep it exact.
async fn assert_gram_counts_exact(app: &TestApp, after: &str) {
    let len = match app.backend() {
        workspace_api::Backend::Sqlite => "length(gram)",
        workspace_api::Backend::Postgres => "char_length(gram)",
    };
    let truth = app
        .raw_pairs(&format!(
            "SELECT gram, COUNT(*) FROM employee_grams WHERE {len} = 3 GROUP BY gram ORDER BY gram"
        ))
        .await;
    let kept = app
        .raw_pairs("SELECT gram, n FROM gram_counts WHERE n <> 0 ORDER BY gram")
        .await;
    assert!(!truth.is_empty(), "{after}: no grams at all");
    if kept != truth {
        let diff: Vec<_> = truth
            .iter()
            .filter(|t| !kept.contains(t))
            .chain(kept.iter().filter(|k| !truth.contains(k)))
            .take(10)
            .collect();
        panic!("{after}: gram_counts differs from employee_grams, e.g. {diff:?}");
    }
}

async fn gram_counts_follow_every_change(app: TestApp) {
    let (mois, _) = seed(&app).await;
    assert_gram_counts_exact(&app, "create").await;
    // The bulk import (seeding), on top of the people made one by one.
    workspace_api::seed::bench::employees(&app.store, 25, |_| {})
        .await
        .expect("bench seed");
    assert_gram_counts_exact(&app, "import").await;
    let unit = app
        .create(
            &format!("/api/v1/agencies/{mois}/units"),
            json!({"name_ko": "디지털정부정책과"}),
        )
        .await;
    let e = app
        .create(
            "/api/v1/employees",
            json!({"agency_id": mois, "unit_id": unit["id"], "name_ko": "최영희", "name_en": "Choi Younghee", "office_phone": "044-205-1234"}),
        )
        .await;
    let uri = format!("/api/v1/employees/{}", e["id"]);
    let first = app.get(&uri).await.etag();
    let r = app
        .patch(
            &uri,
            Some(&first),
            json!({"name_ko": "최영수", "name_en": "Choi Youngsoo", "mobile": "010-0987-6543"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_gram_counts_exact(&app, "update").await;
    // Renaming the unit reindexes its people (in the renaming transaction).
    let unit_uri = format!("/api/v1/units/{}", unit["id"]);
    let renamed = app
        .patch(
            &unit_uri,
            Some(&app.get(&unit_uri).await.etag()),
            json!({"name_ko": "공공데이터정책과"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{:#}", renamed.body);
    assert_eq!(search(&app, "q=공공데이터").await, ["최영수"]);
    assert_gram_counts_exact(&app, "unit rename").await;
    // A stale delete changes nothing, counts included; a good one takes its grams away.
    let stale = delete(&app, &uri, &first).await;
    assert_eq!(stale.status, 412, "{:#}", stale.body);
    assert_gram_counts_exact(&app, "stale delete").await;
    let del = delete(&app, &uri, &r.etag()).await;
    assert_eq!(del.status, 204);
    assert_gram_counts_exact(&app, "delete").await;
    // A long query whose trigrams someone held before the delete: nobody now.
    assert!(search(&app, "q=choi%20youngsoo").await.is_empty());
    assert!(search(&app, "q=0987-6543").await.is_empty());
}

both_backends!(
    gram_counts_follow_every_change,
    long_queries_page_from_name_prefixes_into_verified_matches,
    unit_listing_merges_the_units_in_name_order,
    two_syllable_partials_rank_exact_prefix_partial,
    initial_consonants_match,
    one_syllable_prefers_prefix,
    english_names_and_email,
    decomposed_input_is_composed,
    agency_filter,
    edits_and_deletes_update_the_index,
    pages_walk_everything_once,
    hostile_queries_never_fail,
    long_queries_need_every_trigram_in_one_run,
    unit_filter_takes_the_units_below,
);
