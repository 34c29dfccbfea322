//! A project's participating agencies: leads add and remove them; the lead agency always
//! takes part. The agency list is part of the project, so each change bumps its version.

use serde_json::json;

use super::projects::{ProjectAccess, check_agency, check_version, lock_and_access, read_project};
use super::{Entity, Store, StoreError, Tx, audit, unique_as};
use crate::extract::Actor;
use crate::model::{AgencyId, Project, ProjectId};

impl Store {
    /// Adds a participating agency (leads); bumps the project's version.
    pub async fn add_project_agency(
        &self,
        actor: &Actor,
        id: ProjectId,
        agency: AgencyId,
    ) -> Result<Project, StoreError> {
        let mut tx = self.begin().await?;
        let access = lock_and_access(&mut tx, actor, id, Entity::Project).await?;
        access.require_lead()?;
        check_agency(&mut tx, agency, "agency_id").await?;
        sqlx::query("INSERT INTO project_agencies (project_id, agency_id) VALUES ($1, $2)")
            .bind(id.0)
            .bind(agency.0)
            .execute(&mut *tx)
            .await
            .map_err(unique_as("agency_id"))?;
        self.finish_agency_change(tx, actor, access, "add_agency", agency)
            .await
    }

    /// Removes a participating agency (leads); the lead agency cannot leave.
    pub async fn remove_project_agency(
        &self,
        actor: &Actor,
        id: ProjectId,
        expected_version: i64,
        agency: AgencyId,
    ) -> Result<Project, StoreError> {
        let mut tx = self.begin().await?;
        let access = lock_and_access(&mut tx, actor, id, Entity::Project).await?;
        access.require_lead()?;
        check_version(&mut tx, id, expected_version).await?;
        if agency == access.lead_agency {
            return Err(StoreError::Conflict("lead_agency_required"));
        }
        let done =
            sqlx::query("DELETE FROM project_agencies WHERE project_id = $1 AND agency_id = $2")
                .bind(id.0)
                .bind(agency.0)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(Entity::Agency));
        }
        self.finish_agency_change(tx, actor, access, "remove_agency", agency)
            .await
    }

    async fn finish_agency_change(
        &self,
        mut tx: Tx,
        actor: &Actor,
        access: ProjectAccess,
        action: &str,
        agency: AgencyId,
    ) -> Result<Project, StoreError> {
        let id = access.project;
        sqlx::query("UPDATE projects SET version = version + 1 WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let project = read_project(&mut tx, actor, id).await?;
        let detail = json!({ "agency_id": agency });
        let lead = Some(access.lead_agency);
        audit(&mut tx, actor, lead, action, Entity::Project, id.0, detail).await?;
        let change = json!({"action": action, "agency_id": agency});
        self.project_updated(&mut tx, &project, change).await?;
        self.commit(tx).await?;
        Ok(project)
    }
}
