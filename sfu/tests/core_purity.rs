//! (f) The core stays sans-IO: no tokio, no sockets, no clock reads in `src/core/`.

use std::path::Path;

#[test]
fn core_sources_do_no_io_and_read_no_clock() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("src/core exists") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        // `*_tests.rs` files are unit tests, compiled only under `#[cfg(test)]`.
        if path
            .file_stem()
            .is_some_and(|s| s.to_string_lossy().ends_with("_tests"))
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Unit tests at the bottom of a file may make up an `Instant`; the code above may not.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for banned in [
            "tokio",
            "UdpSocket",
            "Instant::now",
            "SystemTime::now",
            "std::thread",
        ] {
            assert!(
                !text.contains(banned),
                "{} mentions {banned}",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} core files found");
}
