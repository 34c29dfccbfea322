//! Line charts as inline SVG text, drawn here so the HTML report needs no script, font or
//! network: a frame, a few labelled y ticks, x in seconds, one polyline per series.

use std::fmt::Write;

/// One line of a chart: a name for the legend, a colour, and (x, y) points.
pub(crate) struct Series<'a> {
    pub name: &'a str,
    pub colour: &'a str,
    pub points: Vec<(f64, f64)>,
}

const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 60.0;
const BOTTOM: f64 = 30.0;
const TOP: f64 = 24.0;

/// Escapes text for HTML and SVG.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A chart titled `title`, y axis in `unit`, x in seconds. Empty series draw an empty frame
/// that says there is no data.
pub(crate) fn line_chart(title: &str, unit: &str, series: &[Series<'_>]) -> String {
    let all = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
    for (x, y) in all.filter(|(x, y)| x.is_finite() && y.is_finite()) {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img"><title>{t}</title><text x="{LEFT}" y="16" font-size="13">{t} ({u})</text>"#,
        t = esc(title),
        u = esc(unit)
    );
    let (pw, ph) = (W - LEFT - 10.0, H - TOP - BOTTOM);
    let _ = write!(
        out,
        r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>"##
    );
    if x0 > x1 {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="12">no data</text></svg>"#,
            LEFT + 10.0,
            TOP + 20.0
        );
        return out;
    }
    let y1 = nice_max(y1);
    let xspan = (x1 - x0).max(1e-9);
    let sx = |x: f64| LEFT + (x - x0) / xspan * pw;
    let sy = |y: f64| TOP + ph - (y / y1) * ph;
    for i in 0..=4 {
        let v = y1 * f64::from(i) / 4.0;
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#eee"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"##,
            LEFT + pw,
            LEFT - 4.0,
            sy(v) + 3.0,
            tick(v),
            y = sy(v)
        );
    }
    let _ = write!(
        out,
        r#"<text x="{LEFT}" y="{}" font-size="10">{:.0} s</text><text x="{}" y="{}" font-size="10" text-anchor="end">{:.0} s</text>"#,
        H - 10.0,
        x0,
        LEFT + pw,
        H - 10.0,
        x1
    );
    for (i, s) in series.iter().enumerate() {
        let pts: Vec<String> = s
            .points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        let _ = write!(
            out,
            r#"<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{}"/><text x="{}" y="16" font-size="11" fill="{c}">{}</text>"#,
            pts.join(" "),
            W - 10.0 - 90.0 * (series.len() - i) as f64,
            esc(s.name),
            c = esc(s.colour)
        );
    }
    out.push_str("</svg>");
    out
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `v` (a round top for the y axis).
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * p)
}

fn tick(v: f64) -> String {
    if v >= 100.0 || v == 0.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_series_and_escapes_names() {
        let s = Series {
            name: "p99 <µs>",
            colour: "#c00",
            points: vec![(0.0, 1.0), (1.0, 3.0), (2.0, f64::NAN)],
        };
        let svg = line_chart("latency", "ms", &[s]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<polyline") && svg.contains("p99 &lt;µs&gt;"));
        // Two finite points, the NaN left out.
        let poly = svg
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(poly.split(' ').count(), 2);
        assert!(line_chart("x", "y", &[]).contains("no data"));
    }

    #[test]
    fn round_axis_tops() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(3.2), 5.0);
        assert_eq!(nice_max(17.0), 20.0);
        assert_eq!(nice_max(100.0), 100.0);
    }
}
