//! The OpenAPI document: served at `/api/v1/openapi.json`, equal to the copy checked into
//! `docs/openapi.json` (run with `GOVHUB_BLESS=1` to rewrite the copy after an API change),
//! and complete: every operation documents its errors and every schema it names exists.

mod common;

use std::path::PathBuf;

use serde_json::Value;

fn checked_in_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

fn generated() -> String {
    let mut json = workspace_api::openapi_document()
        .to_pretty_json()
        .expect("document serialises");
    json.push('\n');
    json
}

#[test]
fn checked_in_copy_matches_the_code() {
    let now = generated();
    let path = checked_in_path();
    if std::env::var_os("GOVHUB_BLESS").is_some() {
        std::fs::write(&path, &now).expect("write docs/openapi.json");
        return;
    }
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        old == now,
        "docs/openapi.json is out of date with the code; run \
         `GOVHUB_BLESS=1 cargo test -p workspace-api --test openapi` and commit the result"
    );
}

#[test]
fn every_operation_documents_errors_and_every_reference_resolves() {
    let doc: Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.keys().all(|p| p.starts_with("/api/v1/")));
    let mut operations = 0;
    let mut ids = std::collections::HashSet::new();
    for item in paths.values() {
        for op in item.as_object().unwrap().values() {
            operations += 1;
            let id = op["operationId"]
                .as_str()
                .expect("every operation has an id");
            assert!(ids.insert(id.to_owned()), "operationId {id} is not unique");
            let problem = &op["responses"]["default"]["content"]["application/problem+json"];
            assert_eq!(problem["schema"]["$ref"], "#/components/schemas/Problem");
        }
    }
    assert!(operations >= 20, "only {operations} operations documented");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let text = doc.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "dangling $ref to {name}");
    }
}

async fn served_document_is_the_generated_one(app: common::TestApp) {
    let resp = app.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(resp.status, 200);
    let generated: Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(resp.body, generated);
}

both_backends!(served_document_is_the_generated_one);
