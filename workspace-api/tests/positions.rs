//! Position and grade catalogues, admin-defined extra fields, the employee links to them,
//! and search over every directory field, on both backends.

mod common;

use axum::http::Method;
use common::TestApp;
use serde_json::{Value, json};
use workspace_api::auth::{AccountId, Scope};

const PASSWORD: &str = "member-password-1";

async fn agency(app: &TestApp, code: &str, name: &str) -> i64 {
    app.create("/api/v1/agencies", json!({"code": code, "name_ko": name}))
        .await["id"]
        .as_i64()
        .unwrap()
}

/// An app acting as a new account of `role` (in `agency`), through an all-scope token.
async fn as_role(app: &TestApp, login: &str, role: &str, agency: Option<i64>) -> TestApp {
    let body = json!({"login": login, "password": PASSWORD, "role": role, "agency_id": agency});
    let id = app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap();
    let token = common::issue_token(&app.store, AccountId(id), &Scope::ALL, i64::MAX / 2).await;
    app.as_bearer(&token)
}

async fn delete(app: &TestApp, uri: &str, etag: Option<&str>) -> common::Resp {
    let h: Vec<(&str, &str)> = etag.map(|e| ("if-match", e)).into_iter().collect();
    app.send(Method::DELETE, uri, &h, None).await
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

async fn catalogue_crud_ordering_and_rename(app: TestApp) {
    let a = agency(&app, "mois", "행정안전부").await;
    let list = format!("/api/v1/agencies/{a}/positions");
    let clerk = app
        .create(&list, json!({"name_ko": "주무관", "sort_order": 30}))
        .await;
    let head = app
        .create(
            &list,
            json!({"name_ko": "과장", "name_en": "Director", "sort_order": 10}),
        )
        .await;
    let r = app.get(&list).await;
    assert_eq!(names(&r.body), ["과장", "주무관"]);
    let grade = app
        .create(
            &format!("/api/v1/agencies/{a}/grades"),
            json!({"name_ko": "4급"}),
        )
        .await;
    let e = app
        .create(
            "/api/v1/employees",
            json!({"agency_id": a, "name_ko": "김민수", "position_id": head["id"], "grade_id": grade["id"]}),
        )
        .await;
    assert_eq!(
        (e["title"].as_str(), e["grade"].as_str()),
        (Some("과장"), Some("4급"))
    );
    assert_eq!(search(&app, "q=과장").await, ["김민수"]);
    // Renaming reaches the employee's text, version and search data.
    let uri = format!("/api/v1/positions/{}", head["id"]);
    let etag = app.get(&uri).await.etag();
    app.patch(&uri, None, json!({"name_ko": "팀장"}))
        .await
        .assert_problem(428, "precondition_required");
    app.patch(&uri, Some("\"v9\""), json!({"name_ko": "팀장"}))
        .await
        .assert_problem(412, "precondition_failed");
    let r = app
        .patch(
            &uri,
            Some(&etag),
            json!({"name_ko": "팀장", "sort_order": 40}),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(names(&app.get(&list).await.body), ["주무관", "팀장"]);
    let emp = app.get(&format!("/api/v1/employees/{}", e["id"])).await;
    assert_eq!(
        (emp.body["title"].as_str(), emp.body["version"].as_i64()),
        (Some("팀장"), Some(2))
    );
    assert!(search(&app, "q=과장").await.is_empty());
    assert_eq!(search(&app, "q=팀장").await, ["김민수"]);
    // Deleting unlinks: the text stays, the link goes.
    let before = app.audit_count().await;
    assert_eq!(delete(&app, &uri, None).await.status, 428);
    assert_eq!(delete(&app, &uri, Some(&r.etag())).await.status, 204);
    let emp = app.get(&format!("/api/v1/employees/{}", e["id"])).await;
    assert_eq!(emp.body["position_id"], Value::Null);
    assert_eq!(emp.body["title"], "팀장");
    app.get(&uri)
        .await
        .assert_problem(404, "position_not_found");
    let log = app.audit_log().await;
    assert_eq!(log.len(), before + 1);
    assert_eq!(
        (log[before].entity.as_str(), log[before].action.as_str()),
        ("position", "delete")
    );
    assert_eq!(clerk["agency_id"], a);
}

async fn catalogue_bad_input(app: TestApp) {
    let a = agency(&app, "mois", "행정안전부").await;
    let list = format!("/api/v1/agencies/{a}/grades");
    app.create(&list, json!({"name_ko": "5급"})).await;
    let before = app.audit_count().await;
    app.post(&list, json!({"name_ko": "  "}))
        .await
        .assert_problem(422, "validation_failed");
    app.post(&list, json!({"name_ko": "6급", "bogus": 1}))
        .await
        .assert_problem(422, "invalid_body");
    app.post(&list, json!({"name_ko": "5급"}))
        .await
        .assert_problem(409, "duplicate");
    app.post(&list, json!({"name_ko": "x".repeat(101)}))
        .await
        .assert_problem(422, "validation_failed");
    app.post("/api/v1/agencies/999/grades", json!({"name_ko": "6급"}))
        .await
        .assert_problem(404, "agency_not_found");
    app.get("/api/v1/agencies/999/positions")
        .await
        .assert_problem(404, "agency_not_found");
    app.get("/api/v1/grades/999")
        .await
        .assert_problem(404, "grade_not_found");
    app.get("/api/v1/grades/abc")
        .await
        .assert_problem(400, "invalid_path");
    assert_eq!(app.audit_count().await, before);
    assert_eq!(
        app.get(&list).await.body["items"].as_array().unwrap().len(),
        1
    );
}

async fn catalogues_belong_to_their_agency_admins(app: TestApp) {
    let a = agency(&app, "mois", "행정안전부").await;
    let b = agency(&app, "me", "환경부").await;
    let admin_a = as_role(&app, "admin-a", "agency_admin", Some(a)).await;
    let member = as_role(&app, "member", "member", Some(a)).await;
    let made = admin_a
        .create(
            &format!("/api/v1/agencies/{a}/positions"),
            json!({"name_ko": "과장"}),
        )
        .await;
    let id = admin_a.get("/api/v1/auth/me").await.body["account"]["id"]
        .as_i64()
        .unwrap();
    let ro = common::issue_token(
        &app.store,
        AccountId(id),
        &[Scope::DirectoryRead],
        i64::MAX / 2,
    )
    .await;
    let before = app.audit_count().await;
    admin_a
        .post(
            &format!("/api/v1/agencies/{b}/positions"),
            json!({"name_ko": "과장"}),
        )
        .await
        .assert_problem(403, "forbidden");
    member
        .post(
            &format!("/api/v1/agencies/{a}/positions"),
            json!({"name_ko": "국장"}),
        )
        .await
        .assert_problem(403, "forbidden");
    let uri = format!("/api/v1/positions/{}", made["id"]);
    member
        .patch(&uri, Some("\"v1\""), json!({"name_ko": "국장"}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(delete(&member, &uri, Some("\"v1\"")).await.status, 403);
    // Reading is for everyone signed in; nobody else.
    assert_eq!(
        member
            .get(&format!("/api/v1/agencies/{a}/positions"))
            .await
            .status,
        200
    );
    app.anonymous()
        .get(&uri)
        .await
        .assert_problem(401, "unauthenticated");
    // A read-only token cannot write even for an agency admin.
    app.as_bearer(&ro)
        .post(
            &format!("/api/v1/agencies/{a}/positions"),
            json!({"name_ko": "국장"}),
        )
        .await
        .assert_problem(403, "insufficient_scope");
    assert_eq!(app.audit_count().await, before);
}

async fn employee_links_are_checked(app: TestApp) {
    let a = agency(&app, "mois", "행정안전부").await;
    let b = agency(&app, "me", "환경부").await;
    let pa = app
        .create(
            &format!("/api/v1/agencies/{a}/positions"),
            json!({"name_ko": "과장"}),
        )
        .await;
    let pb = app
        .create(
            &format!("/api/v1/agencies/{b}/positions"),
            json!({"name_ko": "과장"}),
        )
        .await;
    let before = app.audit_count().await;
    let new = |extra: Value| {
        let mut body = json!({"agency_id": a, "name_ko": "김민수"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        app.post("/api/v1/employees", body)
    };
    new(json!({"position_id": pb["id"]}))
        .await
        .assert_problem(422, "validation_failed");
    new(json!({"position_id": 9999}))
        .await
        .assert_problem(422, "unknown_position");
    new(json!({"grade_id": 9999}))
        .await
        .assert_problem(422, "unknown_grade");
    let r = new(json!({"position_id": pa["id"], "title": "국장"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "title");
    assert_eq!(app.audit_count().await, before);
    // Free text still works without a link; a patch writing title on a linked entry is refused.
    let free = app
        .create(
            "/api/v1/employees",
            json!({"agency_id": a, "name_ko": "이영희", "title": "팀장"}),
        )
        .await;
    assert_eq!(free["position_id"], Value::Null);
    let linked = app
        .create(
            "/api/v1/employees",
            json!({"agency_id": a, "name_ko": "박지훈", "position_id": pa["id"]}),
        )
        .await;
    let uri = format!("/api/v1/employees/{}", linked["id"]);
    app.patch(&uri, Some("\"v1\""), json!({"title": "국장"}))
        .await
        .assert_problem(422, "validation_failed");
    // Unlinking and writing text in one patch is fine; moving agency keeps a foreign link out.
    app.patch(&uri, Some("\"v1\""), json!({"agency_id": b}))
        .await
        .assert_problem(422, "validation_failed");
    let r = app
        .patch(
            &uri,
            Some("\"v1\""),
            json!({"position_id": null, "title": "국장"}),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.body["title"].as_str()),
        (200, Some("국장"))
    );
}

async fn extra_fields_validate_and_search(app: TestApp) {
    let a = agency(&app, "mois", "행정안전부").await;
    let admin_a = as_role(&app, "admin-a", "agency_admin", Some(a)).await;
    let field = json!({"key": "duty", "label_ko": "담당업무", "kind": "text", "searchable": true});
    admin_a
        .post("/api/v1/extra-fields", field.clone())
        .await
        .assert_problem(403, "forbidden");
    let duty = app.create("/api/v1/extra-fields", field.clone()).await;
    app.create(
        "/api/v1/extra-fields",
        json!({"key": "homepage", "label_ko": "누리집", "kind": "url"}),
    )
    .await;
    let before = app.audit_count().await;
    app.post("/api/v1/extra-fields", field)
        .await
        .assert_problem(409, "duplicate");
    app.post(
        "/api/v1/extra-fields",
        json!({"key": "Bad-Key", "label_ko": "x", "kind": "text"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(
        "/api/v1/extra-fields",
        json!({"key": "fax", "label_ko": "팩스", "kind": "pager"}),
    )
    .await
    .assert_problem(422, "invalid_body");
    let emp = |extra: Value| {
        app.post(
            "/api/v1/employees",
            json!({"agency_id": a, "name_ko": "김민수", "extra": extra}),
        )
    };
    let r = emp(json!({"shoe_size": "270"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "extra.shoe_size");
    emp(json!({"homepage": "ftp://x"}))
        .await
        .assert_problem(422, "validation_failed");
    emp(json!({"duty": 5}))
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(app.audit_count().await, before);
    let e = app
        .create("/api/v1/employees", json!({"agency_id": a, "name_ko": "김민수", "extra": {"duty": "국회 협력 담당", "homepage": "https://mois.example.go.kr"}}))
        .await;
    assert_eq!(e["extra"]["duty"], "국회 협력 담당");
    assert_eq!(search(&app, "q=국회%20협력").await, ["김민수"]);
    assert_eq!(search(&app, "q=협력").await, ["김민수"]);
    assert!(
        search(&app, "q=mois.example").await.is_empty(),
        "homepage is not searchable"
    );
    // Patch: null removes a value, other keys stay.
    let uri = format!("/api/v1/employees/{}", e["id"]);
    let r = app
        .patch(&uri, Some("\"v1\""), json!({"extra": {"homepage": null}}))
        .await;
    assert_eq!(
        r.body["extra"],
        json!({"duty": "국회 협력 담당"}),
        "{:#}",
        r.body
    );
    app.patch(&uri, Some(&r.etag()), json!({"extra": {"nope": "x"}}))
        .await
        .assert_problem(422, "validation_failed");
    // Turning search off for the field drops it from the index; deleting it drops the values.
    let f_uri = format!("/api/v1/extra-fields/{}", duty["id"]);
    let f = app
        .patch(&f_uri, Some("\"v1\""), json!({"searchable": false}))
        .await;
    assert_eq!(f.status, 200, "{:#}", f.body);
    assert!(search(&app, "q=협력").await.is_empty());
    assert_eq!(delete(&app, &f_uri, Some(&f.etag())).await.status, 204);
    let now = app.get(&uri).await;
    assert_eq!(now.body["extra"], json!({}));
    assert_eq!(now.body["version"], 3);
}

async fn every_field_is_searchable(app: TestApp) {
    let a = agency(&app, "mois", "행정안전부").await;
    let unit = app
        .create(
            &format!("/api/v1/agencies/{a}/units"),
            json!({"name_ko": "디지털정부정책과"}),
        )
        .await;
    let pos = app
        .create(
            &format!("/api/v1/agencies/{a}/positions"),
            json!({"name_ko": "사무관"}),
        )
        .await;
    app.create(
        "/api/v1/employees",
        json!({"agency_id": a, "unit_id": unit["id"], "name_ko": "박지훈", "position_id": pos["id"],
               "grade": "5급", "office_phone": "044-905-1234", "mobile": "010-0123-4567",
               "location": "정부세종청사 중앙동 5층"}),
    )
    .await;
    // A name match (rank 0..2) comes before a title match (rank 3..5).
    app.create(
        "/api/v1/employees",
        json!({"agency_id": a, "name_ko": "사무관정"}),
    )
    .await;
    for q in [
        "디지털",
        "정부정책과",
        "5급",
        "905",
        "9051234",
        "044-905-1234",
        "0123",
        "세종청사",
        "중앙동%205층",
    ] {
        assert_eq!(search(&app, &format!("q={q}")).await, ["박지훈"], "q={q}");
    }
    assert_eq!(search(&app, "q=사무관").await, ["사무관정", "박지훈"]);
    // One syllable is for names: the title's 사 is not indexed, the name's is.
    assert_eq!(search(&app, "q=사").await, ["사무관정"]);
    // Renaming the unit and the agency reaches the index.
    let u_uri = format!("/api/v1/units/{}", unit["id"]);
    let r = app
        .patch(&u_uri, Some("\"v1\""), json!({"name_ko": "데이터혁신과"}))
        .await;
    assert_eq!(r.status, 200);
    assert!(search(&app, "q=디지털").await.is_empty());
    assert_eq!(search(&app, "q=데이터혁신").await, ["박지훈"]);
    let r = app
        .patch(
            &format!("/api/v1/agencies/{a}"),
            Some("\"v1\""),
            json!({"name_ko": "내무부"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(search(&app, "q=내무").await.len(), 2);
    assert!(search(&app, "q=행정안전").await.is_empty());
}

both_backends!(
    catalogue_crud_ordering_and_rename,
    catalogue_bad_input,
    catalogues_belong_to_their_agency_admins,
    employee_links_are_checked,
    extra_fields_validate_and_search,
    every_field_is_searchable,
);
