//! Finding people by name on both backends: the account of a directory person (for adding
//! project members, sharing memos, inviting to meetings), and memo share lists that name
//! whom they share with, without naming private projects to those who may not see them.

mod common;

use common::TestApp;
use serde_json::{Value, json};
use workspace_api::auth::{AccountId, Scope};

const PASSWORD: &str = "member-password-1";

async fn agency(app: &TestApp, code: &str, name: &str) -> i64 {
    let body = json!({"code": code, "name_ko": name});
    app.create("/api/v1/agencies", body).await["id"]
        .as_i64()
        .unwrap()
}

/// An account (optionally linked to a directory person) and an app signed in as it.
async fn account(app: &TestApp, login: &str, agency: i64, employee: Option<i64>) -> (i64, TestApp) {
    let body = json!({"login": login, "password": PASSWORD, "role": "member",
        "agency_id": agency, "employee_id": employee, "display_name": format!("{login} 님")});
    let id = app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap();
    let token = common::issue_token(&app.store, AccountId(id), &Scope::ALL, i64::MAX / 2).await;
    (id, app.as_bearer(&token))
}

async fn a_persons_account_is_found_from_the_directory(app: TestApp) {
    let a = agency(&app, "mois", "행정안전부").await;
    let person = |name: &str| json!({"agency_id": a, "name_ko": name});
    let kim = app.create("/api/v1/employees", person("김민수")).await["id"]
        .as_i64()
        .unwrap();
    let lee = app.create("/api/v1/employees", person("이영희")).await["id"]
        .as_i64()
        .unwrap();
    let (kim_account, _) = account(&app, "kim", a, Some(kim)).await;
    let (_, member) = account(&app, "park", a, None).await;

    let found = member
        .get(&format!("/api/v1/employees/{kim}/account"))
        .await;
    assert_eq!(found.status, 200, "{:#}", found.body);
    assert_eq!(
        found.body,
        json!({"account_id": kim_account, "employee_id": kim, "display_name": "kim 님",
               "agency_id": a})
    );
    member
        .get(&format!("/api/v1/employees/{lee}/account"))
        .await
        .assert_problem(404, "account_not_found");
    member
        .get("/api/v1/employees/999999/account")
        .await
        .assert_problem(404, "employee_not_found");
    member
        .get("/api/v1/employees/x/account")
        .await
        .assert_problem(400, "invalid_path");
    let narrow = common::issue_token(
        &app.store,
        AccountId(1),
        &[Scope::WorkspaceRead],
        i64::MAX / 2,
    )
    .await;
    app.as_bearer(&narrow)
        .get(&format!("/api/v1/employees/{kim}/account"))
        .await
        .assert_problem(403, "insufficient_scope");
    // A disabled account is no one to share with.
    let uri = format!("/api/v1/accounts/{kim_account}");
    let tag = app.get(&uri).await.etag();
    let off = app.patch(&uri, Some(&tag), json!({"disabled": true})).await;
    assert_eq!(off.status, 200, "{:#}", off.body);
    member
        .get(&format!("/api/v1/employees/{kim}/account"))
        .await
        .assert_problem(404, "account_not_found");
}

fn names(list: &Value) -> Vec<(String, Value)> {
    let items = list["items"].as_array().unwrap();
    items
        .iter()
        .map(|s| {
            (
                s["target"]["kind"].as_str().unwrap().to_owned(),
                s["name"].clone(),
            )
        })
        .collect()
}

async fn share_lists_name_their_targets(app: TestApp) {
    let a = agency(&app, "mois", "행정안전부").await;
    let unit = app
        .create(
            &format!("/api/v1/agencies/{a}/units"),
            json!({"name_ko": "디지털정부과"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let (author_id, author) = account(&app, "author", a, None).await;
    let (reader_id, reader) = account(&app, "reader", a, None).await;
    app.raw(&format!(
        "INSERT INTO projects (id, name_ko, lead_agency_id, public, created_ms) VALUES \
         (7, '비공개 과제', {a}, 0, 0), (8, '공개 과제', {a}, 1, 0); \
         INSERT INTO project_members (project_id, account_id, role, added_ms) \
         VALUES (7, {author_id}, 'lead', 0)"
    ))
    .await;
    let memo = author
        .create("/api/v1/memos", json!({"title": "회의 메모"}))
        .await;
    let uri = format!("/api/v1/memos/{}/shares", memo["id"]);
    let shares = json!({"shares": [
        {"target": {"kind": "account", "id": reader_id}, "permission": "reader"},
        {"target": {"kind": "unit", "id": unit}, "permission": "reader"},
        {"target": {"kind": "agency", "id": a}, "permission": "editor"},
        {"target": {"kind": "project", "id": 7}, "permission": "reader"},
        {"target": {"kind": "project", "id": 8}, "permission": "reader"},
    ]});
    let put = author
        .send(
            axum::http::Method::PUT,
            &uri,
            &[("content-type", "application/json"), ("if-match", "\"v1\"")],
            Some(shares.to_string().into_bytes()),
        )
        .await;
    assert_eq!(put.status, 200, "{:#}", put.body);
    let expected = |private: Value| {
        vec![
            ("account".to_owned(), json!("reader 님")),
            ("agency".to_owned(), json!("행정안전부")),
            ("project".to_owned(), private),
            ("project".to_owned(), json!("공개 과제")),
            ("unit".to_owned(), json!("디지털정부과")),
        ]
    };
    assert_eq!(names(&put.body), expected(json!("비공개 과제")));
    let mine = author.get(&uri).await;
    assert_eq!(names(&mine.body), expected(json!("비공개 과제")));
    // The reader is no member of the private project: its name is not theirs to read.
    let theirs = reader.get(&uri).await;
    assert_eq!(theirs.status, 200, "{:#}", theirs.body);
    assert_eq!(names(&theirs.body), expected(Value::Null));
    assert_eq!(theirs.body["items"][2]["target"]["id"], 7);
}

both_backends!(
    a_persons_account_is_found_from_the_directory,
    share_lists_name_their_targets,
);
