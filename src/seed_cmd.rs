//! `govhub seed --demo` and `govhub seed --employees N`: fill the workspace database the hub
//! in this data directory (or at `--database-url`) uses, then exit. The work itself is
//! `workspace_api::seed`; this file opens the store and reports.

use std::time::Instant;

use anyhow::Context;
use tracing::info;
use workspace_api::Store;
use workspace_api::seed::{Report, bench, demo};

use crate::config::SeedArgs;
use crate::workspace;

pub async fn run(args: &SeedArgs) -> anyhow::Result<()> {
    if !args.demo && args.employees.is_none() {
        anyhow::bail!("say what to seed: --demo and/or --employees <N>");
    }
    let config = workspace::api_config(&args.data);
    let store = workspace_api::connect(&config)
        .await
        .context("opening the workspace database")?;
    if args.demo {
        workspace::ensure_admin(&store, None, true).await?;
        let started = Instant::now();
        let report = demo::run(&store, args.force)
            .await
            .context("seeding the demo")?;
        log_demo(&report, started);
    }
    if let Some(n) = args.employees {
        let report = bench::employees(&store, n, |done| {
            if done % (bench::BATCH * 10) == 0 || done == n {
                info!(done, of = n, "benchmark directory");
            }
        })
        .await
        .context("seeding the benchmark directory")?;
        let secs = report.elapsed.as_secs_f64();
        let total = store.employee_count().await?;
        info!(
            inserted = report.inserted,
            seconds = format!("{secs:.1}"),
            per_second = format!("{:.0}", report.inserted as f64 / secs.max(1e-9)),
            total_employees = total,
            "benchmark directory seeded"
        );
    }
    store.close().await;
    Ok(())
}

/// Logs what the demo made and how to sign in.
pub fn log_demo(report: &Report, started: Instant) {
    info!(
        agencies = report.agencies_created,
        agencies_already_there = report.agencies_existing,
        units = report.units,
        employees = report.employees,
        accounts = report.accounts_created.len(),
        rooms = report.rooms,
        projects = report.projects,
        project_members = report.project_members,
        tasks = report.tasks,
        announcements = report.announcements,
        memos = report.memos,
        meetings = report.meetings,
        seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
        "demo seeded"
    );
    if !report.accounts_created.is_empty() {
        info!(
            logins = report.accounts_created.join(", "),
            password = demo::DEMO_PASSWORD,
            "demo accounts (agency admins: *.admin; members: *.user)"
        );
    }
}

/// For the first start of a development hub: the demo, or a warning when it cannot be added.
pub async fn first_run_demo(store: &Store) {
    let started = Instant::now();
    match demo::run(store, false).await {
        Ok(report) => log_demo(&report, started),
        Err(e) => tracing::warn!(error = %e, "the demo was not added"),
    }
}
