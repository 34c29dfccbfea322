//! XSS vectors and the kept subset of the sanitiser, and the excerpt.

use super::*;

/// No executable or styling construct survives, whatever the spelling.
fn assert_inert(out: &str) {
    let lower = out.to_ascii_lowercase();
    for bad in [
        "<script",
        "javascript:",
        "vbscript:",
        "data:",
        "onerror",
        "onload",
        "onclick",
        "onmouseover",
        "style=",
        "<style",
        "<svg",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "<math",
        "<form",
        "<input",
        "srcdoc",
        "<!--",
    ] {
        assert!(!lower.contains(bad), "{bad:?} survived in {out:?}");
    }
}

#[test]
fn scripts_are_removed_with_their_content() {
    let out = sanitise("<p>hi</p><script>alert(1)</script><SCRIPT SRC=//x.js></SCRIPT>");
    assert_eq!(out, "<p>hi</p>");
    assert_eq!(
        sanitise("<scr<script>ipt>alert(1)</script>"),
        "ipt&gt;alert(1)"
    );
}

#[test]
fn event_handlers_are_removed() {
    for input in [
        "<img src=x onerror=alert(1)>",
        "<p onclick=\"alert(1)\">text</p>",
        "<a href=\"https://ok.example\" onmouseover=alert(1)>x</a>",
        "<svg onload=alert(1)><circle r=1 /></svg>",
        "<svg><script>alert(1)</script></svg>",
        "<body onload=alert(1)>x",
        "<details open ontoggle=alert(1)>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ] {
        assert_inert(&sanitise(input));
    }
    assert_eq!(sanitise("<p onclick=\"alert(1)\">text</p>"), "<p>text</p>");
}

#[test]
fn dangerous_urls_are_removed() {
    for href in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "/relative/path",
        "//evil.example/x",
        "file:///etc/passwd",
    ] {
        let out = sanitise(&format!("<a href=\"{href}\">x</a>"));
        assert_inert(&out);
        assert!(!out.contains("href"), "{href:?} kept: {out}");
    }
}

#[test]
fn style_and_unknown_attributes_are_removed() {
    let out = sanitise(
        "<p style=\"background:url(javascript:alert(1))\" class=\"x\" id=\"y\" data-x=\"1\">a</p>\
         <style>p{color:red}</style><div style=\"x\">b</div>",
    );
    assert_eq!(out, "<p>a</p>b");
}

#[test]
fn nested_and_malformed_tricks_stay_inert() {
    for input in [
        "<<script>script>alert(1)<</script>/script>",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<template><script>alert(1)</script></template>",
        "<!--<img src=x onerror=alert(1)>-->",
        "<textarea><script>alert(1)</script></textarea>",
        "<form action=javascript:alert(1)><input type=submit>",
        "<object data=\"javascript:alert(1)\"></object><embed src=x>",
        "<a href=\"https://ok.example\"><svg><a href=\"javascript:alert(1)\">y</a></svg></a>",
    ] {
        let out = sanitise(input);
        assert_inert(&out);
        assert_eq!(sanitise(&out), out, "not idempotent for {input:?}");
    }
}

#[test]
fn the_subset_is_kept() {
    let input = "<h2>제목</h2><p><strong>굵게</strong> <em>기울임</em> <u>밑줄</u> <s>취소</s></p>\
                 <ul><li>하나</li></ul><ol start=\"3\"><li>셋</li></ol>\
                 <table><thead><tr><th colspan=\"2\">표</th></tr></thead>\
                 <tbody><tr><td>a</td><td>b</td></tr></tbody></table>\
                 <pre><code>let x = 1;</code></pre><blockquote>인용</blockquote>";
    assert_eq!(sanitise(input), input);
}

#[test]
fn links_keep_safe_schemes_and_get_noopener() {
    assert_eq!(
        sanitise("<a href=\"https://www.korea.kr/\" title=\"정책\" target=\"_blank\">k</a>"),
        "<a href=\"https://www.korea.kr/\" title=\"정책\" rel=\"noopener noreferrer\">k</a>"
    );
    assert_eq!(
        sanitise("<a href=\"mailto:kim@mois.go.kr\" rel=\"opener\">m</a>"),
        "<a href=\"mailto:kim@mois.go.kr\" rel=\"noopener noreferrer\">m</a>"
    );
    assert!(sanitise("<a href=\"http://x.example\">h</a>").contains("href=\"http://x.example\""));
}

#[test]
fn plain_text_is_escaped() {
    assert_eq!(sanitise("a < b & c > d"), "a &lt; b &amp; c &gt; d");
}

#[test]
fn excerpt_is_plain_text_with_word_breaks() {
    let html =
        sanitise("<h1>회의</h1><p>a &lt; b &amp;&amp; c</p><ul><li>하나</li><li>둘</li></ul>");
    assert_eq!(excerpt(&html), "회의 a < b && c 하나 둘");
    let html = sanitise("<a href=\"https://x.example/?a>b\" title=\"x>y\">링크</a>&nbsp;끝");
    assert_eq!(excerpt(&html), "링크 끝");
    assert_eq!(excerpt(&sanitise("&amp;lt;")), "&lt;");
    assert_eq!(excerpt(""), "");
}

#[test]
fn excerpt_is_cut_with_an_ellipsis() {
    let long = format!("<p>{}</p>", "가".repeat(500));
    let e = excerpt(&sanitise(&long));
    assert_eq!(e.chars().count(), EXCERPT_CHARS);
    assert!(e.ends_with('…'));
}
