//! Store-level checks that need crate internals: the audit row and the change share one
//! transaction, and the audit log refuses edits. Backend-parity tests live in `tests/`.

use serde_json::json;

use super::*;
use crate::extract::Actor;
use crate::model::NewAgency;

async fn memory() -> Store {
    Store::connect(&DatabaseConfig::SqliteMemory, 1)
        .await
        .unwrap()
}

#[tokio::test]
async fn audit_rolls_back_with_the_change() {
    let store = memory().await;
    let mut tx = store.begin().await.unwrap();
    sqlx::query("INSERT INTO agencies (id, code, name_ko) VALUES (1, 'x', '가')")
        .execute(&mut *tx)
        .await
        .unwrap();
    audit(
        &mut tx,
        &Actor::System,
        None,
        "create",
        Entity::Agency,
        1,
        json!({}),
    )
    .await
    .unwrap();
    // A failure after the audit row: the transaction is dropped without commit.
    drop(tx);
    assert!(store.audit_entries(0, 10).await.unwrap().is_empty());
    assert!(matches!(
        store.get_agency(crate::model::AgencyId(1)).await,
        Err(StoreError::NotFound(Entity::Agency))
    ));
}

#[tokio::test]
async fn audit_log_is_append_only() {
    let store = memory().await;
    let new = NewAgency {
        code: "mois".into(),
        name_ko: "행정안전부".into(),
        name_en: String::new(),
    };
    store.create_agency(&Actor::System, &new).await.unwrap();
    let entries = store.audit_entries(0, 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].action.as_str(), entries[0].entity.as_str()),
        ("create", "agency")
    );
    assert_eq!(entries[0].detail["code"], "mois");
    for sql in ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"] {
        assert!(
            sqlx::query(sql).execute(store.pool()).await.is_err(),
            "{sql} should fail"
        );
    }
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 1);
}

#[test]
fn sqlite_paths_are_url_safe() {
    assert_eq!(
        encode_path(std::path::Path::new("/data/a?b#c%d")),
        "/data/a%3Fb%23c%25d"
    );
}
