//! `govhub token <room> --name <name>`: a join link for ops staff and scripts, signed with the
//! same secret the hub on this server uses.

use std::time::Duration;

use sfu::RoomId;
use signaling::TokenIssuer;

use crate::config::TokenArgs;
use crate::secret;

pub fn run(args: &TokenArgs) -> anyhow::Result<()> {
    let secret = secret::load_or_create(&args.data)?;
    let issuer = TokenIssuer::new(&secret);
    let room = RoomId(args.room.clone());
    let token = issuer.issue(
        &room,
        args.name.as_deref(),
        Duration::from_secs(args.ttl_secs),
    );
    println!(
        "{}",
        join_link(&args.base_url, &args.room, args.name.as_deref(), &token)
    );
    Ok(())
}

/// `/m/<room>?name=..&autojoin=1&token=..`, percent-encoded.
pub fn join_link(base: &str, room: &str, name: Option<&str>, token: &str) -> String {
    let mut url = format!("{}/m/{}?", base.trim_end_matches('/'), encode(room));
    if let Some(name) = name {
        url.push_str(&format!("name={}&", encode(name)));
    }
    url.push_str(&format!("autojoin=1&token={}", encode(token)));
    url
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_encodes_korean_names_and_rooms() {
        let link = join_link("http://h:1/", "국회-세종", Some("김 민수"), "a.b.c");
        assert_eq!(
            link,
            "http://h:1/m/%EA%B5%AD%ED%9A%8C-%EC%84%B8%EC%A2%85?name=%EA%B9%80%20%EB%AF%BC%EC%88%98&autojoin=1&token=a.b.c"
        );
    }
}
