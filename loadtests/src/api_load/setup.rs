//! The set-up of an API load run (sign-in, token, queries from the directory, a project with
//! tasks, memos) and the requests of the run, as [`World`] methods.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use reqwest::header::{
    AUTHORIZATION, CONTENT_TYPE, COOKIE, ETAG, HeaderMap, HeaderName, IF_MATCH, SET_COOKIE,
};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{ApiLoadConfig, Op, World};

impl World {
    pub(super) async fn request(
        &self,
        op: Op,
        pick: usize,
    ) -> (Result<StatusCode, String>, String) {
        match op {
            Op::Search => {
                let q = &self.queries[pick % self.queries.len()];
                let url = format!("{}/employees", self.base);
                let url = match reqwest::Url::parse_with_params(
                    &url,
                    [("q", q.as_str()), ("limit", "20")],
                ) {
                    Ok(u) => u,
                    Err(e) => return (Err(e.to_string()), String::new()),
                };
                self.send(self.http.get(url)).await
            }
            Op::MemoRead => {
                let id = self.memos[pick % self.memos.len()];
                let req = self.http.get(format!("{}/memos/{id}", self.base));
                self.send(req).await
            }
            Op::TaskMove => self.move_task(pick).await,
        }
    }

    /// Moves a task to the next column with the ETag it was last seen with; on 412 the
    /// task is read again so the next move of it can succeed.
    async fn move_task(&self, pick: usize) -> (Result<StatusCode, String>, String) {
        let slot = &self.tasks[pick % self.tasks.len()];
        let mut task = slot.lock().await;
        let (id, etag, column) = task.clone();
        let next = (column + 1) % self.columns.len();
        let req = self
            .http
            .post(format!("{}/tasks/{id}/move", self.base))
            .header(IF_MATCH, &etag)
            .header(CONTENT_TYPE, "application/json")
            .body(json!({"column": self.columns[next]}).to_string());
        let res = self.auth(req).send().await;
        match res {
            Ok(r) => {
                let status = r.status();
                let new_etag = header_text(r.headers(), &ETAG);
                let body = r.text().await.unwrap_or_default();
                if status.is_success() {
                    if let Some(e) = new_etag {
                        *task = (id, e, next);
                    }
                } else if status == StatusCode::PRECONDITION_FAILED
                    && let Ok((e, c)) = self.read_task(id).await
                {
                    *task = (id, e, c);
                }
                (Ok(status), body)
            }
            Err(e) => (Err(e.to_string()), String::new()),
        }
    }

    async fn read_task(&self, id: i64) -> anyhow::Result<(String, usize)> {
        let r = self
            .auth(self.http.get(format!("{}/tasks/{id}", self.base)))
            .send()
            .await?;
        let etag = header(r.headers(), ETAG)?;
        let v: Value = serde_json::from_str(&r.text().await?)?;
        let key = v["column"].as_str().unwrap_or_default();
        Ok((
            etag,
            self.columns.iter().position(|c| c == key).unwrap_or(0),
        ))
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (Result<StatusCode, String>, String) {
        match self.auth(req).send().await {
            Ok(r) => {
                let status = r.status();
                // The body is read whole, as a client would, so its time counts.
                let body = r.text().await.unwrap_or_default();
                (Ok(status), body)
            }
            Err(e) => (Err(e.to_string()), String::new()),
        }
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.header(AUTHORIZATION, format!("Bearer {}", self.bearer))
    }
}

/// A header's value as text, when it is there and readable.
fn header_text(h: &HeaderMap, name: &HeaderName) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn header(h: &HeaderMap, name: HeaderName) -> anyhow::Result<String> {
    header_text(h, &name).with_context(|| format!("no readable {name} header"))
}

/// One JSON call of the set-up; anything but 2xx is an error naming the call.
async fn call(
    http: &Client,
    method: Method,
    url: &str,
    auth: (&str, &str),
    body: Option<Value>,
) -> anyhow::Result<(HeaderMap, Value)> {
    let mut req = http.request(method.clone(), url).header(auth.0, auth.1);
    if let Some(b) = body {
        req = req
            .header(CONTENT_TYPE, "application/json")
            .body(b.to_string());
    }
    let r = req
        .send()
        .await
        .with_context(|| format!("{method} {url}"))?;
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await?;
    if !status.is_success() {
        bail!("{method} {url}: {status}: {text}");
    }
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).with_context(|| format!("{method} {url}: not JSON"))?
    };
    Ok((headers, v))
}

pub(super) async fn set_up(cfg: &ApiLoadConfig) -> anyhow::Result<World> {
    let http = Client::builder()
        .pool_max_idle_per_host(cfg.concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let base = format!("{}/api/v1", cfg.url.trim_end_matches('/'));
    // Sign in, then a bearer token (tokens are made from a browser session only).
    let r = http
        .post(format!("{base}/auth/login"))
        .header(CONTENT_TYPE, "application/json")
        .body(json!({"login": cfg.login, "password": cfg.password}).to_string())
        .send()
        .await
        .context("signing in")?;
    if !r.status().is_success() {
        bail!(
            "signing in as `{}`: {}: {}",
            cfg.login,
            r.status(),
            r.text().await.unwrap_or_default()
        );
    }
    let cookie = header(r.headers(), SET_COOKIE)?
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let name = format!("govhub-load {stamp}");
    let scopes = ["directory:read", "workspace:read", "workspace:write"];
    let (_, token) = call(
        &http,
        Method::POST,
        &format!("{base}/me/tokens"),
        (COOKIE.as_str(), &cookie),
        Some(json!({"name": name, "scopes": scopes, "expires_in_days": 1})),
    )
    .await?;
    let bearer = token["token"]
        .as_str()
        .context("no token in the answer")?
        .to_owned();
    let auth_value = format!("Bearer {bearer}");
    let auth = (AUTHORIZATION.as_str(), auth_value.as_str());

    let (_, people) = call(
        &http,
        Method::GET,
        &format!("{base}/employees?limit=100"),
        auth,
        None,
    )
    .await?;
    let mut queries = queries_from(&people["items"]);
    queries.dedup();
    if queries.is_empty() {
        bail!("the directory is empty: seed the hub (`govhub seed --demo`) first");
    }

    let (_, agencies) = call(
        &http,
        Method::GET,
        &format!("{base}/agencies?limit=1"),
        auth,
        None,
    )
    .await?;
    let agency = agencies["items"][0]["id"]
        .as_i64()
        .context("no agency on the hub")?;
    let (_, project) = call(
        &http,
        Method::POST,
        &format!("{base}/projects"),
        auth,
        Some(json!({"name_ko": name, "lead_agency_id": agency})),
    )
    .await?;
    let pid = project["id"].as_i64().context("no project id")?;
    let (_, columns) = call(
        &http,
        Method::GET,
        &format!("{base}/projects/{pid}/columns"),
        auth,
        None,
    )
    .await?;
    let columns: Vec<String> = columns["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["key"].as_str().map(str::to_owned))
        .collect();
    if columns.len() < 2 {
        bail!("the project board has fewer than two columns");
    }
    let mut tasks = Vec::new();
    for i in 0..cfg.tasks.max(1) {
        let (h, t) = call(
            &http,
            Method::POST,
            &format!("{base}/projects/{pid}/tasks"),
            auth,
            Some(json!({"title": format!("{name} task {i}")})),
        )
        .await?;
        // A created task answers with its ETag, as every create does.
        let etag = header(&h, ETAG)?;
        tasks.push(Mutex::new((
            t["id"].as_i64().context("no task id")?,
            etag,
            0,
        )));
    }
    let mut memos = Vec::new();
    for i in 0..cfg.memos.max(1) {
        let body = format!(
            "<h2>{name} memo {i}</h2><p>공동 과제 진행 상황을 공유합니다. {}</p>",
            "부처 간 협업 회의 결과와 다음 단계. ".repeat(8)
        );
        let (_, m) = call(
            &http,
            Method::POST,
            &format!("{base}/memos"),
            auth,
            Some(json!({"title": format!("{name} memo {i}"), "body": body})),
        )
        .await?;
        memos.push(m["id"].as_i64().context("no memo id")?);
    }
    Ok(World {
        http,
        base,
        bearer,
        queries,
        memos,
        tasks,
        columns,
    })
}

/// Search queries a person would type, from the people on the page: the given name (two
/// syllables, a partial match), the initial consonants of the full name, the full name, and
/// the English given name.
pub fn queries_from(people: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for p in people.as_array().into_iter().flatten() {
        let Some(ko) = p["name_ko"].as_str() else {
            continue;
        };
        let syllables: Vec<char> = ko.chars().collect();
        if syllables.len() >= 3 {
            out.push(syllables[1..].iter().collect());
        }
        let initials: String = syllables.iter().filter_map(|&c| initial(c)).collect();
        if initials.chars().count() >= 2 {
            out.push(initials);
        }
        out.push(ko.to_owned());
        if let Some(en) = p["name_en"]
            .as_str()
            .and_then(|e| e.split_whitespace().last())
        {
            out.push(en.to_lowercase());
        }
    }
    out
}

/// The initial consonant (초성) of a precomposed Hangul syllable.
fn initial(c: char) -> Option<char> {
    const INITIALS: [char; 19] = [
        'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ',
        'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ',
    ];
    let code = u32::from(c).checked_sub(0xAC00)?;
    if code >= 11_172 {
        return None;
    }
    INITIALS.get((code / 588) as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_what_people_type() {
        let people = json!([{"name_ko": "김민수", "name_en": "Kim Minsu"}, {"name_ko": "이"}]);
        assert_eq!(
            queries_from(&people),
            ["민수", "ㄱㅁㅅ", "김민수", "minsu", "이"]
        );
    }
}
