//! Directory search latency on a large synthetic directory, through the whole HTTP router
//! (routing, bearer-token sign-in, query parsing, SQL, JSON), on SQLite and PostgreSQL.
//!
//! Run: `cargo bench -p workspace-api --bench search` (release `bench` profile). Settings:
//! `GOVHUB_BENCH_EMPLOYEES` (default 100000), `GOVHUB_BENCH_BACKENDS` (default
//! `sqlite,postgres`), `GOVHUB_BENCH_REQUESTS` per query class (default 1000),
//! `GOVHUB_TEST_POSTGRES` (server admin URL; a fresh `C.UTF-8` database is made and dropped).
//! Prints, per backend, the seeding time and a p50/p95/p99/max table per query class.
//!
//! To iterate on queries without re-seeding (8 min on SQLite, 14 on PostgreSQL for 100,000
//! people), keep the seeded database: `GOVHUB_BENCH_SQLITE_DIR=<dir>` uses
//! `<dir>/workspace.sqlite3`, `GOVHUB_BENCH_PG_DB=<name>` that database on the server
//! (created with `C.UTF-8` if missing). Neither is deleted afterwards, and seeding is skipped
//! when the directory already holds `GOVHUB_BENCH_EMPLOYEES` people or more (migrations still
//! run, so a new index is built on the kept data at startup).
//!
//! Without `--bench` (as `cargo test --all-targets` runs bench targets) it exits at once.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use sqlx::Connection;
use tower::ServiceExt;
use workspace_api::auth::Scope;
use workspace_api::extract::Actor;
use workspace_api::model::{Employee, EmployeeId};
use workspace_api::seed::bench;
use workspace_api::seed::names::Rng;
use workspace_api::{ApiConfig, PasswordStrength, Store, hangul};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "search bench: built only; run it with `cargo bench -p workspace-api --bench search`"
        );
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let backends = std::env::var("GOVHUB_BENCH_BACKENDS").unwrap_or("sqlite,postgres".into());
    for backend in backends.split(',').map(str::trim) {
        runtime.block_on(run_backend(backend));
    }
}

async fn run_backend(backend: &str) {
    let employees: usize = env_or("GOVHUB_BENCH_EMPLOYEES", 100_000);
    let (config, cleanup) = match backend {
        "sqlite" => match std::env::var("GOVHUB_BENCH_SQLITE_DIR") {
            Ok(dir) => (ApiConfig::sqlite_in(dir.as_ref()), Cleanup::Keep),
            Err(_) => {
                let dir =
                    std::env::temp_dir().join(format!("govhub-bench-{:x}", rand::random::<u64>()));
                (ApiConfig::sqlite_in(&dir), Cleanup::Dir(dir))
            }
        },
        "postgres" => match postgres_db().await {
            Some((url, cleanup)) => (ApiConfig::postgres(url), cleanup),
            None => return,
        },
        other => panic!("unknown backend {other}; use sqlite or postgres"),
    };
    let mut config = config;
    config.password_strength = PasswordStrength::InsecureFastForTests;
    let store = workspace_api::connect(&config).await.expect("store");
    // A kept database already has the admins of earlier runs: a new login per run.
    let login = format!("bench-admin-{:x}", rand::random::<u32>());
    let admin = workspace_api::bootstrap_admin(&store, &login, "bench-admin-password")
        .await
        .expect("admin");
    let token = store
        .create_token(
            &Actor::System,
            admin.id,
            "bench",
            Scope::ALL.into_iter().collect(),
            i64::MAX / 2,
        )
        .await
        .expect("token")
        .token;
    let started = Instant::now();
    let progress = |done: usize| {
        if done.is_multiple_of(10_000) {
            let secs = started.elapsed().as_secs_f64();
            eprintln!("{backend}: seeded {done} in {secs:.0} s");
        }
    };
    let before = store.employee_count().await.expect("count");
    if before >= employees as i64 {
        println!("\n## {backend}: {before} employees (kept from an earlier run)\n");
    } else {
        let seeded = bench::employees(&store, employees, progress)
            .await
            .expect("seed");
        let total = store.employee_count().await.expect("count");
        println!(
            "\n## {backend}: {total} employees (seeded {} in {:.1} s, {:.0}/s)\n",
            seeded.inserted,
            seeded.elapsed.as_secs_f64(),
            seeded.inserted as f64 / seeded.elapsed.as_secs_f64()
        );
    }
    let router = workspace_api::router_with(store.clone(), &config);
    let samples = sample(&store).await;
    let requests: usize = env_or("GOVHUB_BENCH_REQUESTS", 1000);
    println!("| query class | example | p50 ms | p95 ms | p99 ms | max ms | mean hits |");
    println!("|---|---|---|---|---|---|---|");
    for class in CLASSES {
        let queries: Vec<String> = samples.iter().map(|e| class.query(e)).collect();
        let (lat, hits) = measure(&router, &token, &queries, requests).await;
        println!(
            "| {} | `{}` | {} | {} | {} | {} | {:.1} |",
            class.name,
            queries[0],
            ms(pct(&lat, 50.0)),
            ms(pct(&lat, 95.0)),
            ms(pct(&lat, 99.0)),
            ms(*lat.last().unwrap()),
            hits
        );
    }
    store.close().await;
    cleanup.run().await;
}

/// One kind of query a directory user types, made from a sample person.
struct Class {
    name: &'static str,
    query: fn(&Person) -> String,
}

impl Class {
    fn query(&self, p: &Person) -> String {
        (self.query)(p)
    }
}

/// A sample person and the top-level unit (실/국) above their unit.
struct Person {
    e: Employee,
    top_unit: Option<i64>,
}

fn given(e: &Employee) -> String {
    e.name_ko.chars().skip(1).collect()
}

const CLASSES: [Class; 11] = [
    Class {
        name: "2-syllable partial (given name)",
        query: |p| {
            let e = &p.e;
            format!("q={}", enc(&given(e)))
        },
    },
    Class {
        name: "1 syllable (surname)",
        query: |p| {
            let e = &p.e;
            format!("q={}", enc(&e.name_ko.chars().take(1).collect::<String>()))
        },
    },
    Class {
        name: "초성 of the full name",
        query: |p| {
            let e = &p.e;
            format!("q={}", enc(&hangul::chosung(&e.name_ko)))
        },
    },
    Class {
        name: "full Korean name",
        query: |p| {
            let e = &p.e;
            format!("q={}", enc(&e.name_ko))
        },
    },
    Class {
        name: "English full name",
        query: |p| {
            let e = &p.e;
            format!("q={}", enc(&e.name_en.to_lowercase()))
        },
    },
    Class {
        name: "English given name",
        query: |p| {
            let e = &p.e;
            format!(
                "q={}",
                enc(&e.name_en.split(' ').nth(1).unwrap_or("").to_lowercase())
            )
        },
    },
    Class {
        name: "phone digits (last 7, dashed)",
        query: |p| {
            let e = &p.e;
            let phone = e.office_phone.clone().unwrap_or_default();
            let tail: String = phone
                .chars()
                .rev()
                .take(8)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("q={}", enc(&tail))
        },
    },
    Class {
        name: "2-syllable partial + agency filter",
        query: |p| {
            let e = &p.e;
            format!("q={}&agency={}", enc(&given(e)), e.agency_id)
        },
    },
    Class {
        name: "title / unit text (과장, 정책과)",
        query: |p| {
            let e = &p.e;
            format!(
                "q={}",
                enc(if e.id.0 % 2 == 0 {
                    "과장"
                } else {
                    "정책과"
                })
            )
        },
    },
    Class {
        name: "unit filter: a 실/국 with its 과, listed by name",
        query: |p| format!("unit={}", p.top_unit.unwrap_or(0)),
    },
    Class {
        name: "2-syllable partial + unit filter (실/국 and its 과)",
        query: |p| format!("q={}&unit={}", enc(&given(&p.e)), p.top_unit.unwrap_or(0)),
    },
];

/// 200 people with a unit, spread over the id range, the same on every run.
async fn sample(store: &Store) -> Vec<Person> {
    let max = store.max_employee_id().await.expect("max id");
    let mut rng = Rng::new(42);
    let mut out = Vec::new();
    while out.len() < 200 {
        let id = 1 + rng.below(max as usize) as i64;
        if let Ok(e) = store.get_employee(EmployeeId(id)).await {
            let Some(unit) = e.unit_id else { continue };
            let units = store.list_units(e.agency_id).await.expect("units");
            let mut top = unit;
            while let Some(parent) = units.iter().find(|u| u.id == top).and_then(|u| u.parent_id) {
                top = parent;
            }
            out.push(Person {
                e,
                top_unit: Some(top.0),
            });
        }
    }
    out
}

/// Sends `n` requests cycling through `queries` (after a warm-up); sorted latencies and
/// the mean number of hits per page.
async fn measure(
    router: &Router,
    token: &str,
    queries: &[String],
    n: usize,
) -> (Vec<Duration>, f64) {
    let mut lat = Vec::with_capacity(n);
    let mut hits = 0usize;
    for i in 0..n + 50 {
        let uri = format!("/api/v1/employees?{}&limit=20", queries[i % queries.len()]);
        let req = Request::get(&uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let started = Instant::now();
        let res = router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let took = started.elapsed();
        assert!(
            status.is_success(),
            "{uri}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        if i >= 50 {
            lat.push(took);
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            hits += body["items"].as_array().map_or(0, Vec::len);
        }
    }
    lat.sort();
    (lat, hits as f64 / n as f64)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

enum Cleanup {
    Keep,
    Dir(std::path::PathBuf),
    Pg(String, String),
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::Keep => {}
            Cleanup::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Cleanup::Pg(admin, name) => {
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut c)
                        .await;
                }
            }
        }
    }
}

/// The bench database: `GOVHUB_BENCH_PG_DB` (kept), or a fresh one dropped afterwards.
async fn postgres_db() -> Option<(String, Cleanup)> {
    let kept = std::env::var("GOVHUB_BENCH_PG_DB").ok();
    let (url, admin, name) = fresh_postgres(kept.as_deref()).await?;
    let cleanup = match kept {
        Some(_) => Cleanup::Keep,
        None => Cleanup::Pg(admin, name),
    };
    Some((url, cleanup))
}

/// A UTF-8 / C.UTF-8 database, `name` (made if missing) or a fresh random one: (its URL, the
/// admin URL, its name); `None` (with a loud line) when the server is unreachable.
async fn fresh_postgres(name: Option<&str>) -> Option<(String, String, String)> {
    let admin = std::env::var("GOVHUB_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("!!! SKIPPING PostgreSQL bench: {admin}: {e}");
            return None;
        }
    };
    let name = name.map_or_else(
        || format!("govhub_bench_{:x}", rand::random::<u32>()),
        str::to_owned,
    );
    assert!(
        name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "GOVHUB_BENCH_PG_DB: letters, digits and _ only"
    );
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await
            .expect("look up database");
    if !exists {
        let sql = format!(
            "CREATE DATABASE {name} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("create database");
    }
    let (base, _) = admin.rsplit_once('/').expect("admin URL names a database");
    Some((format!("{base}/{name}"), admin, name))
}
