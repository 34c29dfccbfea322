//! `govhub seed --demo`: the demo hub, in steps. Each step goes through the Store API as
//! [`Actor::System`] (so everything is audited) and is idempotent: what is already there
//! (an agency with the demo's code, an extra field's key, an account's login) is skipped.
//!
//! Steps, in order ([`run`]): [`directory`] (agencies, unit trees, positions, grades, extra
//! fields, people), then [`accounts`] (demo sign-ins linked to people), then the
//! collaboration half: [`super::collab`] (rooms, projects with members and tasks),
//! [`super::board`] (announcements, shared memos) and [`super::meetings`].

use std::collections::HashSet;

use super::data::{AGENCIES, AgencySpec, DUTIES, EXTRA_FIELDS, GRADES, POSITIONS, UnitSpec};
use super::names::{Rng, name};
use super::{Report, SeedError, find_agency};
use crate::auth::Role;
use crate::extract::Actor;
use crate::model::{
    AgencyId, Employee, ExtraKind, Grade, GradeId, NewAgency, NewCatalogueEntry, NewEmployee,
    NewExtraField, NewUnit, Position, PositionId, UnitId,
};
use crate::store::{AccountSpec, SearchQuery, Store, StoreError};

/// Password of every demo account (printed in the log and the README).
pub const DEMO_PASSWORD: &str = "govhub-demo";

/// Demo sign-ins: (login, agency code, agency admin?, linked person's position).
pub const DEMO_ACCOUNTS: [(&str, &str, bool, &str); 6] = [
    ("nas.admin", "nas", true, "과장"),
    ("mois.admin", "mois", true, "과장"),
    ("me.admin", "me", true, "과장"),
    ("nas.user", "nas", false, "주무관"),
    ("mois.user", "mois", false, "사무관"),
    ("msit.user", "msit", false, "주무관"),
];

/// Runs every demo step. A hub holding agencies that are not the demo's is refused unless
/// `force`: the demo's made-up people must not land in a real directory by mistake.
pub async fn run(store: &Store, force: bool) -> Result<Report, SeedError> {
    check_hub(store, force).await?;
    let mut report = Report::default();
    directory(store, &mut report).await?;
    accounts(store, &mut report).await?;
    super::collab::rooms(store, &mut report).await?;
    super::collab::projects(store, &mut report).await?;
    super::board::announcements(store, &mut report).await?;
    super::board::memos(store, &mut report).await?;
    super::meetings::meetings(store, &mut report).await?;
    Ok(report)
}

/// Refuses a hub with non-demo agencies unless `force`.
pub async fn check_hub(store: &Store, force: bool) -> Result<(), SeedError> {
    let demo: HashSet<&str> = AGENCIES.iter().map(|a| a.code).collect();
    let foreign: Vec<String> = store
        .list_agencies(None, 1000)
        .await?
        .into_iter()
        .map(|a| a.code)
        .filter(|c| !demo.contains(c.as_str()))
        .collect();
    if foreign.is_empty() || force {
        Ok(())
    } else {
        Err(SeedError::NotDemoHub(foreign))
    }
}

/// Step 1: the directory. An agency whose code exists is left as it is.
pub async fn directory(store: &Store, report: &mut Report) -> Result<(), SeedError> {
    extra_fields(store, report).await?;
    let mut emails = HashSet::new();
    let mut rng = Rng::new(0x0060_740b);
    for (index, spec) in AGENCIES.iter().enumerate() {
        if find_agency(store, spec.code).await?.is_some() {
            report.agencies_existing += 1;
            continue;
        }
        let mut seeder = AgencySeeder::create(store, spec, report).await?;
        seeder.people(&mut rng, &mut emails, index, report).await?;
    }
    Ok(())
}

async fn extra_fields(store: &Store, report: &mut Report) -> Result<(), SeedError> {
    let existing: Vec<String> = store
        .list_extra_fields()
        .await?
        .into_iter()
        .map(|f| f.key)
        .collect();
    for (i, (key, ko, en, kind, searchable)) in EXTRA_FIELDS.iter().enumerate() {
        if existing.iter().any(|k| k == key) {
            continue;
        }
        let new = NewExtraField {
            key: (*key).into(),
            label_ko: (*ko).into(),
            label_en: (*en).into(),
            kind: ExtraKind::parse(kind),
            searchable: *searchable,
            sort_order: i as i64,
        };
        store.create_extra_field(&Actor::System, &new).await?;
        report.extra_fields += 1;
    }
    Ok(())
}

/// One agency being created: its ids, as the people need them.
struct AgencySeeder<'a> {
    store: &'a Store,
    spec: &'a AgencySpec,
    agency: AgencyId,
    /// Head, deputy, then [`POSITIONS`].
    positions: Vec<PositionId>,
    grades: Vec<GradeId>,
    /// (unit, depth, Korean name), depth first.
    units: Vec<(UnitId, usize, &'static str)>,
    line: usize,
}

impl<'a> AgencySeeder<'a> {
    async fn create(
        store: &'a Store,
        spec: &'a AgencySpec,
        report: &mut Report,
    ) -> Result<Self, StoreError> {
        let sys = &Actor::System;
        let new = NewAgency {
            code: spec.code.into(),
            name_ko: spec.ko.into(),
            name_en: spec.en.into(),
        };
        let agency = store.create_agency(sys, &new).await?.id;
        report.agencies_created += 1;
        let mut positions = Vec::new();
        let heads = [spec.head, (deputy_of(spec.head.0), "Vice Minister")];
        for (i, (ko, en)) in heads.iter().chain(POSITIONS.iter()).enumerate() {
            let entry = NewCatalogueEntry {
                name_ko: (*ko).into(),
                name_en: (*en).into(),
                sort_order: i as i64 * 10,
            };
            let p: Position = store.create_catalogue_entry(sys, agency, &entry).await?;
            positions.push(p.id);
            report.positions += 1;
        }
        let mut grades = Vec::new();
        for (i, (ko, en)) in GRADES.iter().enumerate() {
            let entry = NewCatalogueEntry {
                name_ko: (*ko).into(),
                name_en: (*en).into(),
                sort_order: i as i64 * 10,
            };
            let g: Grade = store.create_catalogue_entry(sys, agency, &entry).await?;
            grades.push(g.id);
            report.grades += 1;
        }
        let mut units = Vec::new();
        let mut stack: Vec<(&UnitSpec, Option<UnitId>, usize)> =
            spec.units.iter().rev().map(|u| (u, None, 0)).collect();
        let mut order = 0;
        while let Some((u, parent, depth)) = stack.pop() {
            let new = NewUnit {
                name_ko: u.ko.into(),
                name_en: u.en.into(),
                parent_id: parent,
                sort_order: order,
            };
            order += 1;
            let id = store.create_unit(sys, agency, &new).await?.id;
            report.units += 1;
            units.push((id, depth, u.ko));
            stack.extend(u.children.iter().rev().map(|c| (c, Some(id), depth + 1)));
        }
        Ok(Self {
            store,
            spec,
            agency,
            positions,
            grades,
            units,
            line: 0,
        })
    }
}

fn deputy_of(head: &str) -> &'static str {
    match head {
        "사무총장" => "사무차장",
        "처장" => "차장",
        _ => "차관",
    }
}

/// A 과 (division) or a 담당관(실): where the staff sit.
fn is_division(name: &str) -> bool {
    name.ends_with('과') || name.ends_with("담당관") || name.ends_with("담당관실")
}

/// Position and grade indices (into the seeder's lists) of a division's staff.
const DIVISION_STAFF: [(usize, usize); 6] = [(4, 3), (5, 3), (6, 4), (6, 4), (7, 5), (7, 6)];

impl AgencySeeder<'_> {
    /// The head and deputy, a head for each 실/국, and six people in each division.
    async fn people(
        &mut self,
        rng: &mut Rng,
        emails: &mut HashSet<String>,
        agency_index: usize,
        report: &mut Report,
    ) -> Result<(), StoreError> {
        self.person(rng, emails, agency_index, None, 0, None, 8)
            .await?;
        self.person(rng, emails, agency_index, None, 1, None, 8)
            .await?;
        report.employees += 2;
        for (i, &(unit, depth, ko)) in self.units.clone().iter().enumerate() {
            let floor = 2 + i % 6;
            if !is_division(ko) {
                let (pos, grade) = if depth == 0 && (ko.ends_with('실') || ko.ends_with("본부"))
                {
                    (2, 0)
                } else {
                    (3, 1)
                };
                self.person(
                    rng,
                    emails,
                    agency_index,
                    Some(unit),
                    pos,
                    Some(grade),
                    floor,
                )
                .await?;
                report.employees += 1;
                continue;
            }
            for &(pos, grade) in &DIVISION_STAFF {
                // Junior officers spread over grades 6 to 9.
                let grade = if pos == 7 { 5 + rng.below(4) } else { grade };
                self.person(
                    rng,
                    emails,
                    agency_index,
                    Some(unit),
                    pos,
                    Some(grade),
                    floor,
                )
                .await?;
                report.employees += 1;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn person(
        &mut self,
        rng: &mut Rng,
        emails: &mut HashSet<String>,
        agency_index: usize,
        unit: Option<UnitId>,
        position: usize,
        grade: Option<usize>,
        floor: usize,
    ) -> Result<Employee, StoreError> {
        let n = name(rng);
        let mut local = n.email_local.clone();
        let mut k = 2;
        while !emails.insert(format!("{local}@{}", self.spec.code)) {
            local = format!("{}{k}", n.email_local);
            k += 1;
        }
        self.line += 1;
        let office = office_phone(self.spec.phone_prefix, 100 + self.line);
        let mut extra = std::collections::BTreeMap::new();
        if position >= 5 {
            extra.insert("duty".into(), DUTIES[rng.below(DUTIES.len())].into());
        } else if position == 4 {
            extra.insert(
                "fax".into(),
                office_phone(self.spec.phone_prefix, 900 + self.line),
            );
        }
        let new = NewEmployee {
            agency_id: self.agency,
            unit_id: unit,
            name_ko: n.ko,
            name_en: n.en,
            title: String::new(),
            grade: String::new(),
            office_phone: Some(office),
            mobile: Some(format!("010-0000-{:02}{:02}", agency_index, self.line)),
            email: Some(format!("{local}@{}.example.go.kr", self.spec.code)),
            location: Some(format!("{} {floor}층", self.spec.building)),
            photo_url: None,
            position_id: Some(self.positions[position]),
            grade_id: grade.map(|g| self.grades[g]),
            extra,
        };
        self.store.create_employee(&Actor::System, &new).await
    }
}

/// `prefix` + line digits: Seoul numbers (02) have 9 digits in all, others 10.
pub(super) fn office_phone(prefix: &str, line: usize) -> String {
    let have = prefix.chars().filter(char::is_ascii_digit).count();
    let total = if prefix.starts_with("02") { 9 } else { 10 };
    let width = total - have;
    let line = line % 10usize.pow(width as u32);
    format!("{prefix}{line:0width$}")
}

/// Step 2: demo accounts, each linked to a person of its agency, all with [`DEMO_PASSWORD`].
pub async fn accounts(store: &Store, report: &mut Report) -> Result<(), SeedError> {
    for (login, code, admin, position) in DEMO_ACCOUNTS {
        let Some(agency) = find_agency(store, code).await? else {
            continue;
        };
        let person = first_with_title(store, agency, position).await?;
        let spec = AccountSpec {
            login: login.into(),
            password: DEMO_PASSWORD.into(),
            display_name: person
                .as_ref()
                .map_or_else(|| login.to_owned(), |p| p.name_ko.clone()),
            role: if admin {
                Role::AgencyAdmin(agency)
            } else {
                Role::Member
            },
            agency_id: Some(agency),
            employee_id: person.map(|p| p.id),
        };
        match store.create_account(&Actor::System, &spec).await {
            Ok(_) => report.accounts_created.push(login.to_owned()),
            Err(StoreError::Duplicate(_)) => report.accounts_existing += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The earliest-created person of `agency` with this title, if any.
async fn first_with_title(
    store: &Store,
    agency: AgencyId,
    title: &str,
) -> Result<Option<Employee>, StoreError> {
    let query = SearchQuery {
        q: None,
        agency: Some(agency),
        unit: None,
        after: None,
        limit: 1000,
    };
    let hits = store.search_employees(&query).await?;
    Ok(hits
        .into_iter()
        .map(|h| h.employee)
        .filter(|e| e.title == title)
        .min_by_key(|e| e.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_have_the_area_shape() {
        assert_eq!(office_phone("044-905-", 101), "044-905-0101");
        assert_eq!(office_phone("02-788-0", 101), "02-788-0101");
        assert_eq!(office_phone("02-788-0", 1234), "02-788-0234");
    }

    #[test]
    fn every_unit_tree_has_divisions() {
        fn divisions(units: &[UnitSpec]) -> usize {
            units
                .iter()
                .map(|u| usize::from(is_division(u.ko)) + divisions(u.children))
                .sum()
        }
        for a in &AGENCIES {
            assert!(divisions(a.units) >= 2, "{}", a.code);
        }
    }
}
