//! Who may post an announcement to a scope: a system administrator to everyone, an agency's
//! administrators (or a system administrator) to that agency, a project's leads (or a system
//! administrator) to that project. The target must exist first; a private project the poster
//! is not a member of is reported as missing, so posting never reveals which projects exist.

use super::{Entity, StoreError, Tx};
use crate::auth::{Principal, Role};
use crate::model::{AnnouncementScope, NewAnnouncement, ProjectId};

/// The scope's target must exist (a project must also be visible to `who`), and `who` must
/// have the right to post there.
pub(super) async fn check_may_post(
    tx: &mut Tx,
    who: &Principal,
    new: &NewAnnouncement,
) -> Result<(), StoreError> {
    let admin = who.role == Role::SystemAdmin;
    let allowed = match (new.scope, new.agency_id, new.project_id) {
        (AnnouncementScope::Everyone, _, _) => admin,
        (AnnouncementScope::Agency, Some(agency), _) => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agencies WHERE id = $1")
                .bind(agency.0)
                .fetch_one(&mut **tx)
                .await?;
            if n == 0 {
                return Err(StoreError::UnknownReference(Entity::Agency, "agency_id"));
            }
            admin || who.role == Role::AgencyAdmin(agency)
        }
        (AnnouncementScope::Project, _, Some(project)) => {
            let role: Option<Option<String>> = sqlx::query_scalar(
                "SELECT (SELECT pm.role FROM project_members pm \
                         WHERE pm.project_id = p.id AND pm.account_id = $2) \
                 FROM projects p WHERE p.id = $1",
            )
            .bind(project.0)
            .bind(who.account.0)
            .fetch_optional(&mut **tx)
            .await?;
            let public = project_is_public(tx, project).await?;
            match role {
                Some(r) if admin || public || r.is_some() => admin || r.as_deref() == Some("lead"),
                _ => return Err(StoreError::UnknownReference(Entity::Project, "project_id")),
            }
        }
        _ => return Err(StoreError::InvalidInput("scope")),
    };
    if allowed {
        return Ok(());
    }
    Err(StoreError::Forbidden {
        ko: "이 범위에 공지를 게시할 권한이 없습니다.",
        en: "You may not post announcements to this scope.",
    })
}

async fn project_is_public(tx: &mut Tx, project: ProjectId) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE id = $1 AND public = 1")
        .bind(project.0)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}
