//! Joint projects: visibility, the caller's role ([`ProjectAccess`]), creation with the
//! default board columns, listing and settings. Participating agencies are in
//! `project_agencies.rs`, members in `project_members.rs`.
//!
//! Visibility is the rule every project-scoped resource shares (tasks here; memos, meetings
//! and announcements elsewhere): a project is visible to a principal when it is public, the
//! principal is one of its members, or the principal is a system administrator. SQL lists
//! use [`project_visible_sql`]; single-record paths use [`Store::project_access`] (or
//! [`access_in`] inside a write), which answers `NotFound` for an invisible project so that
//! its existence never leaks.
//!
//! Every write to a project takes the project row's lock first ([`lock_project`]), so the
//! writes of one project (members, columns, task order) run one at a time on PostgreSQL as
//! they do on SQLite, and rules such as "at least one lead" hold under concurrency.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor, Row};

use super::{Audience, Entity, Store, StoreError, Tx, audit, emit, now_ms};
use crate::auth::Role;
use crate::extract::Actor;
use crate::model::{AgencyId, NewProject, Project, ProjectId, ProjectPatch, ProjectRole};

/// The board every new project starts with: (key, name, done).
const DEFAULT_COLUMNS: [(&str, &str, bool); 4] = [
    ("todo", "할 일", false),
    ("doing", "진행 중", false),
    ("review", "검토", false),
    ("done", "완료", true),
];

/// Columns of `projects p` plus the caller's role (`$1` is the caller's account id).
const PROJECT_COLUMNS: &str = "p.id, p.name_ko, p.name_en, p.description, p.lead_agency_id, \
     p.public, p.created_ms, p.archived_ms, p.version, \
     (SELECT m.role FROM project_members m WHERE m.project_id = p.id AND m.account_id = $1) AS my_role";

/// SQL condition: the project aliased `alias` is visible to the caller whose account id is
/// bound at `account` (-1 for none) and whose admin flag (1 for a system administrator, else
/// 0) is bound at `admin`, e.g. `project_visible_sql("p", "$1", "$2")`. The shared rule of
/// every project-scoped resource.
pub fn project_visible_sql(alias: &str, account: &str, admin: &str) -> String {
    format!(
        "({alias}.public = 1 OR {admin} = 1 OR EXISTS (SELECT 1 FROM project_members pv \
         WHERE pv.project_id = {alias}.id AND pv.account_id = {account}))"
    )
}

/// The caller's account id (-1 for the hub itself) and whether it is a system administrator,
/// as [`project_visible_sql`] binds them.
pub(crate) fn caller(actor: &Actor) -> (i64, bool) {
    match actor {
        Actor::Account(p) => (p.account.0, p.role == Role::SystemAdmin),
        _ => (-1, true),
    }
}

/// What the caller may do with one visible project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectAccess {
    pub project: ProjectId,
    pub lead_agency: AgencyId,
    /// The caller's membership role; `None` for a non-member (public project or admin).
    pub role: Option<ProjectRole>,
    /// System administrators (and the hub itself) act as leads of every project.
    pub admin: bool,
    pub archived: bool,
}

impl ProjectAccess {
    /// Leads (and administrators) manage settings, agencies, members and columns.
    pub fn require_lead(&self) -> Result<(), StoreError> {
        match (self.admin, self.role) {
            (true, _) | (_, Some(ProjectRole::Lead)) => Ok(()),
            _ => Err(StoreError::forbidden("project_lead")),
        }
    }

    /// Members and leads (and administrators) write tasks and comments; viewers and
    /// readers of a public project do not.
    pub fn require_write(&self) -> Result<(), StoreError> {
        match (self.admin, self.role) {
            (true, _) | (_, Some(ProjectRole::Lead | ProjectRole::Member)) => Ok(()),
            _ => Err(StoreError::forbidden("project_write")),
        }
    }

    /// An archived project's board is frozen until a lead unarchives it.
    pub fn require_active(&self) -> Result<(), StoreError> {
        if self.archived {
            return Err(StoreError::Conflict("project_archived"));
        }
        Ok(())
    }
}

/// Filters of `GET /projects`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProjectFilter {
    /// Projects this agency leads or takes part in.
    pub agency: Option<AgencyId>,
    /// Only projects the caller is a member of.
    pub mine: bool,
    pub archived: Option<bool>,
}

/// The caller's access to a project, or `NotFound(missing)` when it does not exist or the
/// caller may not see it (`missing` is the entity the request named: a task of an invisible
/// project is a missing task).
pub(crate) async fn access_in<'c, E: Executor<'c, Database = Any>>(
    e: E,
    actor: &Actor,
    id: ProjectId,
    missing: Entity,
) -> Result<ProjectAccess, StoreError> {
    let (account, admin) = caller(actor);
    let row = sqlx::query(
        "SELECT p.lead_agency_id, p.public, p.archived_ms, \
         (SELECT m.role FROM project_members m WHERE m.project_id = p.id AND m.account_id = $2) AS role \
         FROM projects p WHERE p.id = $1",
    )
    .bind(id.0)
    .bind(account)
    .fetch_optional(e)
    .await?
    .ok_or(StoreError::NotFound(missing))?;
    let role = row
        .try_get::<Option<String>, _>("role")?
        .map(|r| ProjectRole::parse(&r));
    let public = row.try_get::<i64, _>("public")? == 1;
    if !(public || admin || role.is_some()) {
        return Err(StoreError::NotFound(missing));
    }
    Ok(ProjectAccess {
        project: id,
        lead_agency: AgencyId(row.try_get("lead_agency_id")?),
        role,
        admin,
        archived: row.try_get::<Option<i64>, _>("archived_ms")?.is_some(),
    })
}

/// Takes the project row's lock for the rest of the transaction; `NotFound(missing)` when
/// the project does not exist.
pub(crate) async fn lock_project(
    tx: &mut Tx,
    id: ProjectId,
    missing: Entity,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE projects SET version = version WHERE id = $1")
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(missing));
    }
    Ok(())
}

/// Locks the project, then reads the caller's access to it: the start of every write.
pub(crate) async fn lock_and_access(
    tx: &mut Tx,
    actor: &Actor,
    id: ProjectId,
    missing: Entity,
) -> Result<ProjectAccess, StoreError> {
    lock_project(tx, id, missing).await?;
    access_in(&mut **tx, actor, id, missing).await
}

fn project_from_row(row: &AnyRow, agency_ids: Vec<AgencyId>) -> Result<Project, StoreError> {
    let archived_ms: Option<i64> = row.try_get("archived_ms")?;
    Ok(Project {
        id: ProjectId(row.try_get("id")?),
        name_ko: row.try_get("name_ko")?,
        name_en: row.try_get("name_en")?,
        description: row.try_get("description")?,
        lead_agency_id: AgencyId(row.try_get("lead_agency_id")?),
        agency_ids,
        public: row.try_get::<i64, _>("public")? == 1,
        archived: archived_ms.is_some(),
        archived_ms,
        created_ms: row.try_get("created_ms")?,
        my_role: row
            .try_get::<Option<String>, _>("my_role")?
            .map(|r| ProjectRole::parse(&r)),
        version: row.try_get("version")?,
    })
}

/// Participating agencies of each project in `ids`, in id order.
async fn agencies_of<'c, E: Executor<'c, Database = Any>>(
    e: E,
    ids: &[i64],
) -> Result<Vec<(i64, AgencyId)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT project_id, agency_id FROM project_agencies WHERE project_id IN ({}) \
         ORDER BY project_id, agency_id",
        marks.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(e).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("project_id")?, AgencyId(r.try_get("agency_id")?))))
        .collect()
}

/// Reads one project as `actor` sees it (no visibility check: callers have made it).
pub(crate) async fn read_project(
    tx: &mut Tx,
    actor: &Actor,
    id: ProjectId,
) -> Result<Project, StoreError> {
    let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.id = $2");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(caller(actor).0)
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound(Entity::Project))?;
    let agencies = agencies_of(&mut **tx, &[id.0]).await?;
    project_from_row(&row, agencies.into_iter().map(|(_, a)| a).collect())
}

pub(crate) async fn check_agency(
    tx: &mut Tx,
    id: AgencyId,
    field: &'static str,
) -> Result<(), StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agencies WHERE id = $1")
        .bind(id.0)
        .fetch_one(&mut **tx)
        .await?;
    if n == 0 {
        return Err(StoreError::UnknownReference(Entity::Agency, field));
    }
    Ok(())
}

impl Store {
    /// The caller's access to a project; `NotFound(missing)` if absent or invisible.
    pub async fn project_access(
        &self,
        actor: &Actor,
        id: ProjectId,
        missing: Entity,
    ) -> Result<ProjectAccess, StoreError> {
        access_in(self.pool(), actor, id, missing).await
    }

    /// Creates a project led by `new.lead_agency_id` (the caller has checked it may), with
    /// its participating agencies, the default columns and the creator as its lead.
    pub async fn create_project(
        &self,
        actor: &Actor,
        lead: AgencyId,
        new: &NewProject,
    ) -> Result<Project, StoreError> {
        let mut tx = self.begin().await?;
        check_agency(&mut tx, lead, "lead_agency_id").await?;
        for a in &new.agency_ids {
            check_agency(&mut tx, *a, "agency_ids").await?;
        }
        let now = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO projects (name_ko, name_en, description, lead_agency_id, public, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&new.name_ko)
        .bind(&new.name_en)
        .bind(&new.description)
        .bind(lead.0)
        .bind(i64::from(new.public))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let mut agencies = new.agency_ids.clone();
        agencies.push(lead);
        agencies.sort();
        agencies.dedup();
        for a in &agencies {
            sqlx::query("INSERT INTO project_agencies (project_id, agency_id) VALUES ($1, $2)")
                .bind(id)
                .bind(a.0)
                .execute(&mut *tx)
                .await?;
        }
        let (account, _) = caller(actor);
        if account >= 0 {
            sqlx::query(
                "INSERT INTO project_members (project_id, account_id, role, added_ms) \
                 VALUES ($1, $2, 'lead', $3)",
            )
            .bind(id)
            .bind(account)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        for (pos, (key, name, done)) in DEFAULT_COLUMNS.iter().enumerate() {
            sqlx::query(
                "INSERT INTO task_columns (project_id, key, name, position, done) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(*key)
            .bind(*name)
            .bind(pos as i64)
            .bind(i64::from(*done))
            .execute(&mut *tx)
            .await?;
        }
        let project = read_project(&mut tx, actor, ProjectId(id)).await?;
        let detail = json!({"project": new, "lead_agency_id": lead});
        audit(
            &mut tx,
            actor,
            Some(lead),
            "create",
            Entity::Project,
            id,
            detail,
        )
        .await?;
        let data = json!({"project_id": id, "name_ko": project.name_ko});
        let to = [Audience::Project(project.id)];
        emit(
            &mut tx,
            self.backend(),
            "project.created",
            Entity::Project,
            id,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await?;
        Ok(project)
    }

    /// One project as the caller sees it; `NotFound` when invisible.
    pub async fn get_project(&self, actor: &Actor, id: ProjectId) -> Result<Project, StoreError> {
        let mut tx = self.pool().begin().await?;
        access_in(&mut *tx, actor, id, Entity::Project).await?;
        let p = read_project(&mut tx, actor, id).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Visible projects, newest first, with ids below `before` (the cursor).
    pub async fn list_projects(
        &self,
        actor: &Actor,
        filter: ProjectFilter,
        before: Option<ProjectId>,
        limit: i64,
    ) -> Result<Vec<Project>, StoreError> {
        let (account, admin) = caller(actor);
        let sql = format!(
            "SELECT {PROJECT_COLUMNS} FROM projects p WHERE {} AND p.id < $3 \
             AND ($4 < 0 OR EXISTS (SELECT 1 FROM project_agencies pa \
                  WHERE pa.project_id = p.id AND pa.agency_id = $4)) \
             AND ($5 = 0 OR EXISTS (SELECT 1 FROM project_members mm \
                  WHERE mm.project_id = p.id AND mm.account_id = $1)) \
             AND ($6 < 0 OR (CASE WHEN p.archived_ms IS NULL THEN 0 ELSE 1 END) = $6) \
             ORDER BY p.id DESC LIMIT $7",
            project_visible_sql("p", "$1", "$2")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(account)
            .bind(i64::from(admin))
            .bind(before.map_or(i64::MAX, |p| p.0))
            .bind(filter.agency.map_or(-1, |a| a.0))
            .bind(i64::from(filter.mine))
            .bind(filter.archived.map_or(-1, i64::from))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
        let links = agencies_of(self.pool(), &ids).await?;
        rows.iter()
            .zip(&ids)
            .map(|(row, id)| {
                let agencies = links.iter().filter(|(p, _)| p == id).map(|(_, a)| *a);
                project_from_row(row, agencies.collect())
            })
            .collect()
    }

    /// Changes a project's settings (leads).
    pub async fn update_project(
        &self,
        actor: &Actor,
        id: ProjectId,
        expected_version: i64,
        patch: &ProjectPatch,
    ) -> Result<Project, StoreError> {
        let mut tx = self.begin().await?;
        let access = lock_and_access(&mut tx, actor, id, Entity::Project).await?;
        access.require_lead()?;
        let archived_ms = patch.archived.map(|a| if a { now_ms() } else { -1 });
        let done = sqlx::query(
            "UPDATE projects SET name_ko = COALESCE($1, name_ko), name_en = COALESCE($2, name_en), \
             description = COALESCE($3, description), public = COALESCE($4, public), \
             archived_ms = CASE WHEN $5 < 0 THEN NULL WHEN $5 > 0 THEN COALESCE(archived_ms, $5) \
                           ELSE archived_ms END, \
             version = version + 1 WHERE id = $6 AND version = $7",
        )
        .bind(patch.name_ko.as_deref())
        .bind(patch.name_en.as_deref())
        .bind(patch.description.as_deref())
        .bind(patch.public.map(i64::from))
        .bind(archived_ms.unwrap_or(0))
        .bind(id.0)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale);
        }
        let project = read_project(&mut tx, actor, id).await?;
        let agency = Some(access.lead_agency);
        audit(
            &mut tx,
            actor,
            agency,
            "update",
            Entity::Project,
            id.0,
            json!(patch),
        )
        .await?;
        self.project_updated(&mut tx, &project, json!(patch))
            .await?;
        self.commit(tx).await?;
        Ok(project)
    }

    /// Emits `project.updated` to the project's members.
    pub(crate) async fn project_updated(
        &self,
        tx: &mut Tx,
        project: &Project,
        change: serde_json::Value,
    ) -> Result<(), StoreError> {
        let data = json!({"project_id": project.id, "name_ko": project.name_ko, "change": change});
        let to = [Audience::Project(project.id)];
        let kind = "project.updated";
        emit(
            tx,
            self.backend(),
            kind,
            Entity::Project,
            project.id.0,
            data,
            &to,
        )
        .await
    }
}

/// `Stale` unless the project is at `expected` (its row is already locked).
pub(crate) async fn check_version(
    tx: &mut Tx,
    id: ProjectId,
    expected: i64,
) -> Result<(), StoreError> {
    let v: i64 = sqlx::query_scalar("SELECT version FROM projects WHERE id = $1")
        .bind(id.0)
        .fetch_one(&mut **tx)
        .await?;
    if v != expected {
        return Err(StoreError::Stale);
    }
    Ok(())
}
