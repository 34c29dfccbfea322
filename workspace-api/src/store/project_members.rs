//! Project members: list, add, change role, remove. Leads manage members (people of any
//! agency); a member may also leave on their own. A project always keeps at least one lead:
//! the project row is locked for each change, so two leads removing each other at once
//! cannot both succeed. Removing someone also takes them off the project's tasks.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::projects::{access_in, lock_and_access};
use super::{Audience, Entity, Store, StoreError, Tx, audit, emit, now_ms, unique_as};
use crate::auth::AccountId;
use crate::extract::Actor;
use crate::model::{AgencyId, NewMember, ProjectId, ProjectMember, ProjectRole};

const MEMBER_COLUMNS: &str = "m.project_id, m.account_id, a.login, a.display_name, a.agency_id, \
     m.role, m.added_ms, m.version";

fn member_from_row(row: &AnyRow) -> Result<ProjectMember, sqlx::Error> {
    Ok(ProjectMember {
        project_id: ProjectId(row.try_get("project_id")?),
        account_id: AccountId(row.try_get("account_id")?),
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        agency_id: row.try_get::<Option<i64>, _>("agency_id")?.map(AgencyId),
        role: ProjectRole::parse(&row.try_get::<String, _>("role")?),
        added_ms: row.try_get("added_ms")?,
        version: row.try_get("version")?,
    })
}

async fn fetch_member(
    tx: &mut Tx,
    project: ProjectId,
    account: AccountId,
) -> Result<ProjectMember, StoreError> {
    let sql = format!(
        "SELECT {MEMBER_COLUMNS} FROM project_members m JOIN accounts a ON a.id = m.account_id \
         WHERE m.project_id = $1 AND m.account_id = $2"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(project.0)
        .bind(account.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound(Entity::Account))?;
    Ok(member_from_row(&row)?)
}

/// `Conflict("last_lead")` when `member` is the project's only lead.
async fn keep_a_lead(tx: &mut Tx, member: &ProjectMember) -> Result<(), StoreError> {
    if member.role != ProjectRole::Lead {
        return Ok(());
    }
    let leads: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM project_members WHERE project_id = $1 AND role = 'lead'",
    )
    .bind(member.project_id.0)
    .fetch_one(&mut **tx)
    .await?;
    if leads <= 1 {
        return Err(StoreError::Conflict("last_lead"));
    }
    Ok(())
}

impl Store {
    /// Members of a visible project by account id, after `after`.
    pub async fn list_members(
        &self,
        actor: &Actor,
        project: ProjectId,
        after: Option<AccountId>,
        limit: i64,
    ) -> Result<Vec<ProjectMember>, StoreError> {
        access_in(self.pool(), actor, project, Entity::Project).await?;
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM project_members m JOIN accounts a ON a.id = m.account_id \
             WHERE m.project_id = $1 AND m.account_id > $2 ORDER BY m.account_id LIMIT $3"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(project.0)
            .bind(after.map_or(i64::MIN, |a| a.0))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(member_from_row).collect::<Result<_, _>>()?)
    }

    /// Adds a person (leads). Tells the project and the new member.
    pub async fn add_member(
        &self,
        actor: &Actor,
        project: ProjectId,
        new: &NewMember,
    ) -> Result<ProjectMember, StoreError> {
        let mut tx = self.begin().await?;
        let access = lock_and_access(&mut tx, actor, project, Entity::Project).await?;
        access.require_lead()?;
        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE id = $1")
            .bind(new.account_id.0)
            .fetch_one(&mut *tx)
            .await?;
        if exists == 0 {
            return Err(StoreError::UnknownReference(Entity::Account, "account_id"));
        }
        sqlx::query(
            "INSERT INTO project_members (project_id, account_id, role, added_ms) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(project.0)
        .bind(new.account_id.0)
        .bind(new.role.as_str())
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .map_err(unique_as("account_id"))?;
        let member = fetch_member(&mut tx, project, new.account_id).await?;
        let detail = json!({"account_id": new.account_id, "role": new.role});
        let lead = Some(access.lead_agency);
        audit(
            &mut tx,
            actor,
            lead,
            "add_member",
            Entity::Project,
            project.0,
            detail,
        )
        .await?;
        let data = json!({"project_id": project, "account_id": new.account_id, "role": new.role});
        let to = [
            Audience::Project(project),
            Audience::Account(new.account_id),
        ];
        let kind = "project.member_added";
        emit(
            &mut tx,
            self.backend(),
            kind,
            Entity::Project,
            project.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await?;
        Ok(member)
    }

    /// Changes a member's role (leads); the last lead cannot step down.
    pub async fn update_member(
        &self,
        actor: &Actor,
        project: ProjectId,
        account: AccountId,
        expected_version: i64,
        role: ProjectRole,
    ) -> Result<ProjectMember, StoreError> {
        let mut tx = self.begin().await?;
        let access = lock_and_access(&mut tx, actor, project, Entity::Project).await?;
        access.require_lead()?;
        let current = fetch_member(&mut tx, project, account).await?;
        if current.version != expected_version {
            return Err(StoreError::Stale);
        }
        if role != ProjectRole::Lead {
            keep_a_lead(&mut tx, &current).await?;
        }
        sqlx::query(
            "UPDATE project_members SET role = $1, version = version + 1 \
             WHERE project_id = $2 AND account_id = $3",
        )
        .bind(role.as_str())
        .bind(project.0)
        .bind(account.0)
        .execute(&mut *tx)
        .await?;
        let member = fetch_member(&mut tx, project, account).await?;
        let detail = json!({"account_id": account, "from": current.role, "to": role});
        let lead = Some(access.lead_agency);
        audit(
            &mut tx,
            actor,
            lead,
            "update_member",
            Entity::Project,
            project.0,
            detail,
        )
        .await?;
        let data = json!({"project_id": project, "account_id": account, "role": role});
        let to = [Audience::Project(project), Audience::Account(account)];
        let kind = "project.member_updated";
        emit(
            &mut tx,
            self.backend(),
            kind,
            Entity::Project,
            project.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await?;
        Ok(member)
    }

    /// Removes a member (leads, or the member themselves) and their task assignments.
    pub async fn remove_member(
        &self,
        actor: &Actor,
        project: ProjectId,
        account: AccountId,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let access = lock_and_access(&mut tx, actor, project, Entity::Project).await?;
        if super::projects::caller(actor).0 != account.0 {
            access.require_lead()?;
        }
        let current = fetch_member(&mut tx, project, account).await?;
        if current.version != expected_version {
            return Err(StoreError::Stale);
        }
        keep_a_lead(&mut tx, &current).await?;
        sqlx::query(
            "UPDATE tasks SET version = version + 1, updated_ms = $1 WHERE project_id = $2 \
             AND id IN (SELECT task_id FROM task_assignees WHERE account_id = $3)",
        )
        .bind(now_ms())
        .bind(project.0)
        .bind(account.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM task_assignees WHERE account_id = $1 \
             AND task_id IN (SELECT id FROM tasks WHERE project_id = $2)",
        )
        .bind(account.0)
        .bind(project.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM project_members WHERE project_id = $1 AND account_id = $2")
            .bind(project.0)
            .bind(account.0)
            .execute(&mut *tx)
            .await?;
        let detail = json!({"account_id": account, "role": current.role});
        let lead = Some(access.lead_agency);
        audit(
            &mut tx,
            actor,
            lead,
            "remove_member",
            Entity::Project,
            project.0,
            detail,
        )
        .await?;
        let data = json!({"project_id": project, "account_id": account});
        let to = [Audience::Project(project), Audience::Account(account)];
        let kind = "project.member_removed";
        emit(
            &mut tx,
            self.backend(),
            kind,
            Entity::Project,
            project.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }
}
