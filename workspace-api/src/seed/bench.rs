//! `govhub seed --employees N`: a large synthetic directory for the search benchmark, on
//! top of the demo's agencies, units, positions and grades (created first when missing).
//! People are generated like the demo's (same name lists, phone and address shapes) and
//! written with [`Store::import_employees`]: multi-row inserts, [`BATCH`] people per
//! transaction, one audit row per batch.
//!
//! Not idempotent by design: each run adds `N` more people (their addresses carry a running
//! number, so they never collide with earlier runs).

use std::time::{Duration, Instant};

use super::data::{AGENCIES, DUTIES};
use super::demo::office_phone;
use super::names::{Rng, name};
use super::{Report, SeedError, demo, find_agency};
use crate::extract::Actor;
use crate::model::{AgencyId, Grade, NewEmployee, Position, UnitId};
use crate::store::{Store, StoreError};

/// People per import transaction.
pub const BATCH: usize = 2000;

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchReport {
    pub inserted: usize,
    pub elapsed: Duration,
}

/// One agency's places to put people.
struct Target {
    agency: AgencyId,
    code: &'static str,
    prefix: &'static str,
    building: &'static str,
    units: Vec<UnitId>,
    positions: Vec<Position>,
    grades: Vec<Grade>,
}

/// Adds `count` synthetic people, calling `progress(done)` after each batch.
pub async fn employees(
    store: &Store,
    count: usize,
    mut progress: impl FnMut(usize),
) -> Result<BenchReport, SeedError> {
    let started = Instant::now();
    demo::directory(store, &mut Report::default()).await?;
    let targets = targets(store).await?;
    // A fresh number range per run keeps addresses unique across runs.
    let offset = usize::try_from(store.max_employee_id().await?).unwrap_or(0);
    let mut rng = Rng::new(0xB3_4C + offset as u64);
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let rows: Vec<NewEmployee> = (0..n)
            .map(|i| person(&mut rng, &targets, offset + done + i))
            .collect();
        store.import_employees(&Actor::System, &rows).await?;
        done += n;
        progress(done);
    }
    store.analyze_directory().await?;
    Ok(BenchReport {
        inserted: done,
        elapsed: started.elapsed(),
    })
}

async fn targets(store: &Store) -> Result<Vec<Target>, StoreError> {
    let mut out = Vec::new();
    for spec in &AGENCIES {
        let Some(agency) = find_agency(store, spec.code).await? else {
            continue;
        };
        let units = store
            .list_units(agency)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect();
        out.push(Target {
            agency,
            code: spec.code,
            prefix: spec.phone_prefix,
            building: spec.building,
            units,
            positions: store.list_catalogue(agency).await?,
            grades: store.list_catalogue(agency).await?,
        });
    }
    Ok(out)
}

/// Person number `seq`: staff positions and grades mostly, like a real directory.
fn person(rng: &mut Rng, targets: &[Target], seq: usize) -> NewEmployee {
    let t = &targets[rng.below(targets.len())];
    let n = name(rng);
    // The catalogue's last four positions (과장 .. 주무관) and grades from 4급 down; none
    // where an agency of the same code was made by hand with no catalogue.
    let (np, ng) = (t.positions.len(), t.grades.len());
    let pos = (np > 0).then(|| t.positions[np - 1 - rng.below(4.min(np))].id);
    let skip = 3.min(ng.saturating_sub(1));
    let grade = (ng > 0).then(|| t.grades[skip + rng.below(ng - skip)].id);
    let unit = t.units.get(rng.below(t.units.len().max(1))).copied();
    let mut extra = std::collections::BTreeMap::new();
    if rng.below(3) == 0 {
        extra.insert(
            "duty".to_owned(),
            DUTIES[rng.below(DUTIES.len())].to_owned(),
        );
    }
    NewEmployee {
        agency_id: t.agency,
        unit_id: unit,
        name_ko: n.ko,
        name_en: n.en,
        title: String::new(),
        grade: String::new(),
        office_phone: Some(office_phone(t.prefix, rng.below(10_000))),
        mobile: Some(format!(
            "010-0{:03}-{:04}",
            rng.below(1000),
            rng.below(10_000)
        )),
        email: Some(format!("{}{seq}@{}.example.go.kr", n.email_local, t.code)),
        location: Some(format!("{} {}층", t.building, 1 + rng.below(8))),
        photo_url: None,
        position_id: pos,
        grade_id: grade,
        extra,
    }
}
