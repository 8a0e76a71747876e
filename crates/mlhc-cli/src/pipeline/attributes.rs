//! Subgroup attributes of each prediction row, read from MEDS events at or before the prediction time.

use std::collections::HashMap;

use mlhc_meds::{Dataset, ReadOptions};
use mlhc_tab::PredictionRow;

/// An attribute that splits prediction rows into subgroups.
#[derive(Debug, Clone, PartialEq)]
pub enum Attribute {
    /// The suffix of the subject's latest code starting with `prefix` at or before the prediction time
    /// (static events count as before every time): `GENDER//` gives `F`/`M`, `RACE//` gives the race.
    /// Rows with no such code are in group `unknown`.
    CodePrefix {
        /// Name shown in the report.
        name: String,
        /// Code prefix, e.g. `GENDER//`.
        prefix: String,
    },
    /// Age at the prediction time (from the subject's `MEDS_BIRTH` event, in years of 365.25 days) in
    /// bands cut at `edges`: edges `[50, 65]` give `<50`, `50–64`, `≥65`. Rows without a birth event are
    /// in group `unknown`.
    AgeBand {
        /// Name shown in the report.
        name: String,
        /// Increasing band edges in years.
        edges: Vec<f64>,
    },
}

impl Attribute {
    /// The name shown in the report.
    pub fn name(&self) -> &str {
        match self {
            Attribute::CodePrefix { name, .. } | Attribute::AgeBand { name, .. } => name,
        }
    }
}

impl Attribute {
    /// Puts a subgroup report's groups in reading order: age bands from youngest to oldest, codes
    /// alphabetically; `unknown` last.
    pub fn sort_groups(&self, report: &mut mlhc_eval::SubgroupReport) {
        let order: Vec<String> = match self {
            Attribute::AgeBand { edges, .. } => {
                let mut labels: Vec<String> = edges.iter().map(|&e| band(e - 1e-9, edges)).collect();
                labels.push(band(edges[edges.len() - 1], edges));
                labels
            }
            Attribute::CodePrefix { .. } => Vec::new(),
        };
        report.groups.sort_by_key(|g| {
            let unknown = g.group == "unknown";
            let pos = order.iter().position(|l| *l == g.group).unwrap_or(usize::MAX);
            (unknown, pos, g.group.clone())
        });
    }
}

const MICROS_PER_YEAR: f64 = 365.25 * 86_400.0 * 1e6;

fn band(age: f64, edges: &[f64]) -> String {
    let fmt = |x: f64| if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x}") };
    match edges.iter().position(|&e| age < e) {
        Some(0) => format!("<{}", fmt(edges[0])),
        Some(k) => {
            let hi = edges[k];
            // Whole-year edges read as inclusive integer ranges (50–64); others as half-open ranges.
            if edges[k - 1].fract() == 0.0 && hi.fract() == 0.0 {
                format!("{}–{}", fmt(edges[k - 1]), fmt(hi - 1.0))
            } else {
                format!("[{}, {})", fmt(edges[k - 1]), fmt(hi))
            }
        }
        None => format!("≥{}", fmt(edges[edges.len() - 1])),
    }
}

/// The group of every row under every attribute: `result[a][i]` is row `i`'s group for attribute `a`.
/// Only events at or before each row's prediction time are read.
pub fn row_groups(ds: &Dataset, rows: &[PredictionRow], attributes: &[Attribute]) -> anyhow::Result<Vec<Vec<String>>> {
    let mut by_subject: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_subject.entry(r.subject_id).or_default().push(i);
    }
    let per_shard = ds.map_shards(&ReadOptions::default(), |_, shard, vocab| {
        let mut out: Vec<(usize, usize, String)> = Vec::new();
        for s in shard.subjects() {
            let Some(row_ids) = by_subject.get(&s.id().0) else { continue };
            for (a, attr) in attributes.iter().enumerate() {
                for &i in row_ids {
                    let t = rows[i].prediction_time;
                    let mut value: Option<String> = None;
                    for k in 0..s.len() {
                        let time = s.time(k).map(|x| x.0);
                        if time.is_some_and(|x| x > t) {
                            break;
                        }
                        let code = vocab.code(s.code(k));
                        match attr {
                            Attribute::CodePrefix { prefix, .. } => {
                                if let Some(v) = code.strip_prefix(prefix.as_str()) {
                                    value = Some(v.to_string());
                                }
                            }
                            Attribute::AgeBand { edges, .. } => {
                                if code == "MEDS_BIRTH" {
                                    if let Some(birth) = time {
                                        value = Some(band((t - birth) as f64 / MICROS_PER_YEAR, edges));
                                    }
                                }
                            }
                        }
                    }
                    out.push((a, i, value.unwrap_or_else(|| "unknown".into())));
                }
            }
        }
        Ok(out)
    })?;
    let mut groups = vec![vec!["unknown".to_string(); rows.len()]; attributes.len()];
    for (a, i, v) in per_shard.into_iter().flatten() {
        groups[a][i] = v;
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::band;

    #[test]
    fn age_bands_read_like_the_report_shows_them() {
        let e = [50.0, 65.0, 80.0];
        assert_eq!(band(12.0, &e), "<50");
        assert_eq!(band(50.0, &e), "50–64");
        assert_eq!(band(64.99, &e), "50–64");
        assert_eq!(band(79.0, &e), "65–79");
        assert_eq!(band(80.0, &e), "≥80");
        assert_eq!(band(30.0, &[18.5, 40.0]), "[18.5, 40)");
    }
}
