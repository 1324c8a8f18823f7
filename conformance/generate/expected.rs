//! What the generator writes beside the vectors: the manifest, the files
//! under conformance/, and the expected answers (k-mer counts and
//! matches, index lookups) computed with the reference reader.

use super::*;

/// The manifest for `vectors`, as pretty JSON with a final newline.
pub fn manifest(vs: &[Vector]) -> String {
    let items: Vec<serde_json::Value> = vs
        .iter()
        .map(|x| {
            let dir = if x.invalid.is_some() { "invalid" } else { "valid" };
            let mut m = serde_json::json!({
                "name": x.name,
                "file": format!("vectors/{dir}/{}.tbit", x.name),
                "expect": if x.invalid.is_some() { "invalid" } else { "valid" },
                "spec": x.spec,
                "description": x.description,
            });
            if x.reference.is_some() {
                m["reference"] = format!("vectors/{dir}/{}.ref.tbit", x.name).into();
            }
            match x.invalid {
                Some((class, label)) => {
                    m["class"] = class.into();
                    m["label"] = label.into();
                    if x.validator_only {
                        m["validator_only"] = true.into();
                    }
                }
                None => {
                    m["json"] = format!("vectors/valid/{}.json", x.name).into();
                    if x.reference.is_none() && kmer_queries(&x.bytes).is_some_and(|q| !q.is_empty()) {
                        m["kmers"] = format!("vectors/valid/{}.kmers.json", x.name).into();
                    }
                    if lookup_expectations(&x.bytes).is_some() {
                        m["lookups"] = format!("vectors/valid/{}.lookups.json", x.name).into();
                    }
                }
            }
            m
        })
        .collect();
    let doc = serde_json::json!({ "format": "tribit", "spec_version": "1.7", "vectors": items });
    serde_json::to_string_pretty(&doc).expect("json") + "\n"
}

/// Every file of the suite: (path relative to conformance/, bytes). Expected
/// JSON comes from the reference reader; the independent Python reader in
/// conformance/python/ checks it against SPEC.md.
pub fn files(vs: &[Vector]) -> tribit::Result<Vec<(String, Vec<u8>)>> {
    let mut out = vec![("manifest.json".to_string(), manifest(vs).into_bytes())];
    for x in vs {
        if let Some(r) = &x.reference {
            let dir = if x.invalid.is_some() { "invalid" } else { "valid" };
            out.push((format!("vectors/{dir}/{}.ref.tbit", x.name), r.clone()));
        }
        match x.invalid {
            Some(_) => out.push((format!("vectors/invalid/{}.tbit", x.name), x.bytes.clone())),
            None => {
                out.push((format!("vectors/valid/{}.tbit", x.name), x.bytes.clone()));
                let r = x.open()?;
                let j = tribit::convert::canonical::to_json(&r)?;
                let text = serde_json::to_string_pretty(&j).expect("json") + "\n";
                out.push((format!("vectors/valid/{}.json", x.name), text.into_bytes()));
                if x.reference.is_some() {
                    continue;
                }
                if let Some(k) = kmer_expectations(&x.bytes)? {
                    out.push((
                        format!("vectors/valid/{}.kmers.json", x.name),
                        kmers_text(&k).into_bytes(),
                    ));
                }
                if let Some(l) = lookup_expectations(&x.bytes) {
                    let text = serde_json::to_string_pretty(&l).expect("json") + "\n";
                    out.push((format!("vectors/valid/{}.lookups.json", x.name), text.into_bytes()));
                }
            }
        }
    }
    Ok(out)
}

/// The k-mer queries asked of a valid vector (SPEC §14): taken from its
/// first sequence with an ACGT run — a 1-mer, the first 3 and the first 8
/// ACGT letters (as uppercase) — plus the palindrome ACGT; deduplicated.
/// None when the file has no sequence set or reads as unsupported.
fn kmer_queries(bytes: &[u8]) -> Option<Vec<String>> {
    let r = tribit::Reader::from_bytes(bytes.to_vec()).ok()?;
    if r.is_empty() {
        return None;
    }
    let mut run = Vec::new();
    let mut buf = Vec::new();
    for i in 0..r.len() {
        let seq = r.sequence(i).ok()?;
        buf.clear();
        r.fetch_from(&seq, 0, seq.len(), &mut buf).ok()?;
        buf.make_ascii_uppercase();
        // The longest run of ACGT up to 8 letters, first found.
        for w in buf.split(|b| !matches!(b, b'A' | b'C' | b'G' | b'T')) {
            if w.len() > run.len() {
                run = w[..w.len().min(8)].to_vec();
            }
            if run.len() == 8 {
                break;
            }
        }
        if run.len() == 8 {
            break;
        }
    }
    let mut q: Vec<String> = Vec::new();
    for k in [1, 3, 8] {
        if run.len() >= k {
            q.push(String::from_utf8_lossy(&run[..k]).into_owned());
        }
    }
    q.push("ACGT".into());
    q.dedup();
    let mut seen = std::collections::HashSet::new();
    q.retain(|s| seen.insert(s.clone()));
    Some(q)
}

/// The k-mer expectations as JSON text with one match per line, so the
/// files stay small and diff well.
fn kmers_text(k: &serde_json::Value) -> String {
    let mut out = String::from("{\"queries\": [\n");
    let qs = k["queries"].as_array().map(Vec::as_slice).unwrap_or_default();
    for (i, q) in qs.iter().enumerate() {
        out += &format!(
            "  {{\"kmer\": {}, \"strands\": {}, \"count\": {}, \"matches\": [",
            q["kmer"], q["strands"], q["count"]
        );
        let ms = q["matches"].as_array().map(Vec::as_slice).unwrap_or_default();
        for (j, m) in ms.iter().enumerate() {
            out += if j == 0 { "\n    " } else { ",\n    " };
            out += &m.to_string();
        }
        out += if ms.is_empty() { "]}" } else { "\n  ]}" };
        out += if i + 1 < qs.len() { ",\n" } else { "\n" };
    }
    out + "]}\n"
}

/// The expected matches of [`kmer_queries`] on each strand setting, from
/// the naive scan over the decoded letters (`tribit::kmer::naive`), as the
/// BED lines of `tribit kmer locate` would give them: `[sequence name,
/// start, end, strand]`, sorted.
fn kmer_expectations(bytes: &[u8]) -> tribit::Result<Option<serde_json::Value>> {
    let Some(queries) = kmer_queries(bytes) else {
        return Ok(None);
    };
    if queries.is_empty() {
        return Ok(None);
    }
    let r = tribit::Reader::from_bytes(bytes.to_vec())?;
    let mut items = Vec::new();
    for q in &queries {
        let query = tribit::kmer::Query::new(q)?;
        for (strands, both) in [("forward", false), ("both", true)] {
            let ms = tribit::kmer::naive::locate(&r, std::slice::from_ref(&query), both)?;
            let mut rows: Vec<(String, u64, u64, char)> = Vec::new();
            for m in &ms {
                let name = r.sequence(m.sequence)?.name_str().into_owned();
                rows.push((name, m.start, m.start + q.len() as u64, m.strand.symbol()));
            }
            rows.sort();
            let matches: Vec<serde_json::Value> = rows
                .into_iter()
                .map(|(n, s, e, st)| serde_json::json!([n, s, e, st.to_string()]))
                .collect();
            items.push(serde_json::json!({
                "kmer": q,
                "strands": strands,
                "count": matches.len(),
                "matches": matches,
            }));
        }
    }
    Ok(Some(serde_json::json!({ "queries": items })))
}

/// The index lookups asked of a valid vector with tables (SPEC §8.4): for
/// each index of each table, every distinct key of its rows and one key
/// that is absent, with the rows that hold it — found by comparing decoded
/// cells, not through the index. Values are given as text as `tribit query
/// --where COL=VALUE` takes them (floats in shortest form, null as empty).
/// None when the file has no table.
fn lookup_expectations(bytes: &[u8]) -> Option<serde_json::Value> {
    use tribit::table::{ColumnType, TableSet};
    let c = tribit::container::Container::parse(bytes).ok()?;
    let ts = TableSet::new(bytes, &c).ok()?;
    if ts.tables().is_empty() {
        return None;
    }
    let mut items = Vec::new();
    for t in ts.tables() {
        for ix in t.indexes() {
            let cols: Vec<usize> = ix.columns().iter().map(|&c| c as usize).collect();
            let key_of = |r: u64| -> Vec<String> {
                cols.iter()
                    .map(|&c| format!("{}", t.cell(r, c).expect("cell")))
                    .collect()
            };
            let debug_of = |r: u64| -> Vec<String> {
                cols.iter()
                    .map(|&c| format!("{:?}", t.cell(r, c).expect("cell")))
                    .collect()
            };
            let mut keys: Vec<(Vec<String>, Vec<String>)> = Vec::new();
            for r in 0..t.row_count() {
                let k = (debug_of(r), key_of(r));
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            for (dbg, text) in &keys {
                let rows: Vec<u64> = (0..t.row_count()).filter(|&r| debug_of(r) == *dbg).collect();
                let wh: Vec<serde_json::Value> = cols
                    .iter()
                    .zip(text)
                    .map(|(&c, v)| serde_json::json!([t.schema().columns[c].name, v]))
                    .collect();
                items.push(serde_json::json!({ "table": t.name(), "where": wh, "rows": rows }));
            }
            // A key that no row holds: the first key with its first string
            // value changed (only where the first key column holds strings).
            let first = &t.schema().columns[cols[0]];
            if let (Some((_, text)), ColumnType::Dict | ColumnType::Str(_)) = (keys.first(), first.ty) {
                let mut absent = text.clone();
                absent[0] = "NO_SUCH".into();
                let wh: Vec<serde_json::Value> = cols
                    .iter()
                    .zip(&absent)
                    .map(|(&c, v)| serde_json::json!([t.schema().columns[c].name, v]))
                    .collect();
                items.push(serde_json::json!({ "table": t.name(), "where": wh, "rows": [] }));
            }
        }
    }
    Some(serde_json::json!({ "queries": items }))
}
