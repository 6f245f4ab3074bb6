//! `NuGet.config`: the block of isolated build feeds managed by dependency flow.
//!
//! Only the region between the "Begin: Package sources managed by Dependency Flow
//! automation" and "End: ..." comments (and the matching region of
//! `<disabledPackageSources>`) is rewritten; every other byte stays as it was.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::dependency::BuildUpdate;
use super::pos::{Splices, indentation_at, line_ending};
use super::xml::{Node, XmlDoc, XmlError, escape};

/// Opens the managed block.
pub const BEGIN: &str =
    "Begin: Package sources managed by Dependency Flow automation. Do not edit the sources below.";
/// Closes the managed block.
pub const END: &str =
    "End: Package sources managed by Dependency Flow automation. Do not edit the sources above.";

static FEED_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"darc-(?P<type>int|pub)-(?P<repo>.+?)-(?P<sha>[A-Fa-f0-9]{7,40})-?(?P<sub>\d*)")
        .ok()
});
static MANAGED_FEED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    let name = r"darc-(int|pub)-(.+?)-([A-Fa-f0-9]{7,40})-?(\d*)";
    [
        format!(r"^https://\w+\.pkgs\.visualstudio\.com/((public|internal)/)?_packaging/{name}/nuget/v\d+/index\.json$"),
        format!(r"^https://pkgs\.dev\.azure\.com/\w+/((public|internal)/)?_packaging/{name}/nuget/v\d+/index\.json$"),
        format!(r"^https://[a-z-]+\.azurewebsites\.net/container/[^/]+/sig/\w+/se/[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}/{name}/index\.json$"),
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

/// Whether `url` is an isolated per-build feed that dependency flow manages.
pub fn is_managed_feed(url: &str) -> bool {
    MANAGED_FEED.iter().any(|r| r.is_match(url))
}

/// Whether `url` is an internal isolated feed (`darc-int-*`): authenticated, written
/// only into internal repositories.
pub fn is_internal_feed(url: &str) -> bool {
    is_managed_feed(url) && feed_key(url).is_some_and(|(key, _)| key.starts_with("darc-int-"))
}

/// The source key and repository group of a managed feed:
/// `darc-<pub|int>-<repo>-<sha7>[-<n>]`.
pub fn feed_key(url: &str) -> Option<(String, String)> {
    let c = FEED_NAME.as_ref()?.captures(url)?;
    let sha = c.name("sha")?.as_str();
    let mut key = format!(
        "darc-{}-{}-{}",
        &c["type"],
        &c["repo"],
        &sha[..7.min(sha.len())]
    );
    if let Some(sub) = c.name("sub").filter(|s| !s.as_str().is_empty()) {
        key.push('-');
        key.push_str(sub.as_str());
    }
    Some((key, c["repo"].to_string()))
}

type Groups = BTreeMap<String, Vec<(String, String)>>;

/// Returns the file with its managed block updated for `build`: the feeds of assets
/// published only to managed feeds replace that repository's previous feeds; other
/// repositories' managed feeds are kept. Unchanged when the build has no such asset
/// or the file has no `<packageSources>`.
pub fn update(text: &[u8], build: &BuildUpdate) -> Result<Vec<u8>, XmlError> {
    let doc = XmlDoc::parse(text)?;
    let incoming: Vec<&String> = build
        .assets
        .iter()
        .filter(|a| !a.locations.is_empty() && a.locations.iter().all(|l| is_managed_feed(l)))
        .flat_map(|a| a.locations.iter())
        .collect();
    let Some(sources) = find(&doc, 0, "packageSources") else {
        return Ok(text.to_vec());
    };
    if incoming.is_empty() {
        return Ok(text.to_vec());
    }
    let mut groups: Groups = BTreeMap::new();
    let block = managed_region(&doc, sources);
    if let Some((first, last)) = block {
        for node in &doc.children(sources)[first..=last] {
            if let Node::Element(i) = *node
                && let (Some(k), Some(v)) = (doc.attr(i, "key"), doc.attr(i, "value"))
                && let Some((_, repo)) = feed_key(&v.value)
            {
                groups
                    .entry(repo)
                    .or_default()
                    .push((k.value.to_string(), v.value.to_string()));
            }
        }
    }
    let mut fresh: Groups = BTreeMap::new();
    for url in incoming {
        if let Some((key, repo)) = feed_key(url) {
            let list = fresh.entry(repo).or_default();
            if !list.iter().any(|(_, u)| u == url) {
                list.push((key, url.clone()));
            }
        }
    }
    for (repo, mut list) in fresh {
        list.sort_by(|a, b| b.1.cmp(&a.1));
        groups.insert(repo, list);
    }

    let nl = line_ending(text);
    let mut splices = Splices::new();
    let src_el = &doc.elements[sources];
    let indent = child_indent(text, &doc, sources);
    let entries = render(&groups, &indent, nl, |key, url| {
        format!("<add key=\"{}\" value=\"{}\" />", escape(key), escape(url))
    });
    let mut clear = doc
        .child_elements(sources)
        .find(|(_, e)| e.local_name().eq_ignore_ascii_case("clear"));
    let first_element = doc.child_elements(sources).next().map(|(i, _)| i);
    if let Some((ci, c)) = clear
        && Some(ci) != first_element
    {
        // `<clear/>` must come first: take it out here and put it back first.
        let inside_block = block.is_some_and(|(first, last)| {
            doc.children(sources)[first..=last].contains(&Node::Element(ci))
        });
        if !inside_block {
            let end = c.end_tag.as_ref().map_or(c.tag.end, |e| e.end);
            let mut start = c.tag.start;
            while start > 0 && matches!(text[start - 1], b' ' | b'\t') {
                start -= 1;
            }
            if start > 0 && text[start - 1] == b'\n' {
                start -= if start > 1 && text[start - 2] == b'\r' {
                    2
                } else {
                    1
                };
            }
            splices.replace(start..end, "");
        }
        clear = None;
    }
    let clear_text = if clear.is_none() {
        format!("<clear />{nl}{indent}")
    } else {
        String::new()
    };
    match block {
        Some((first, last)) => {
            let start = node_span(&doc, doc.children(sources)[first]).0;
            let end = node_span(&doc, doc.children(sources)[last]).1;
            if clear.is_none() && start > src_el.tag.end {
                splices.insert(src_el.tag.end, format!("{nl}{indent}<clear />"));
                splices.replace(start..end, entries.trim_start().to_string());
            } else {
                splices.replace(start..end, format!("{clear_text}{}", entries.trim_start()));
            }
        }
        None => {
            let at = match clear {
                Some((_, c)) => c.end_tag.as_ref().map_or(c.tag.end, |e| e.end),
                None => src_el.tag.end,
            };
            splices.insert(
                at,
                format!("{nl}{indent}{clear_text}{}", entries.trim_start()),
            );
        }
    }
    disabled_sources(text, &doc, &groups, nl, &mut splices);
    Ok(splices.apply(text).unwrap_or_else(|| text.to_vec()))
}

fn find(doc: &XmlDoc, parent: usize, name: &str) -> Option<usize> {
    doc.child(parent, name).map(|(i, _)| i)
}

fn node_span(doc: &XmlDoc, node: Node) -> (usize, usize) {
    match node {
        Node::Element(i) => {
            let e = &doc.elements[i];
            (e.tag.start, e.end_tag.as_ref().map_or(e.tag.end, |t| t.end))
        }
        Node::Comment(i) => (doc.comments[i].span.start, doc.comments[i].span.end),
    }
}

/// Child indices (first, last) of the BEGIN and END comments inside `parent`.
fn managed_region(doc: &XmlDoc, parent: usize) -> Option<(usize, usize)> {
    let children = doc.children(parent);
    let is = |n: &Node, text: &str| matches!(n, Node::Comment(c) if doc.comments[*c].text.trim().eq_ignore_ascii_case(text));
    let first = children.iter().position(|n| is(n, BEGIN))?;
    let last = children.iter().skip(first).position(|n| is(n, END))? + first;
    Some((first, last))
}

fn child_indent(text: &[u8], doc: &XmlDoc, index: usize) -> String {
    match doc.children(index).first() {
        Some(n) => indentation_at(text, node_span(doc, *n).0),
        None => format!("{}  ", indentation_at(text, doc.elements[index].tag.start)),
    }
}

fn render(groups: &Groups, indent: &str, nl: &str, entry: impl Fn(&str, &str) -> String) -> String {
    let mut out = format!("{nl}{indent}<!--{BEGIN}-->");
    for (repo, list) in groups {
        if list.is_empty() {
            continue;
        }
        let repo = comment_text(repo);
        out.push_str(&format!(
            "{nl}{indent}<!--  Begin: Package sources from {repo} -->"
        ));
        for (key, url) in list {
            out.push_str(&format!("{nl}{indent}{}", entry(key, url)));
        }
        out.push_str(&format!(
            "{nl}{indent}<!--  End: Package sources from {repo} -->"
        ));
    }
    out.push_str(&format!("{nl}{indent}<!--{END}-->"));
    out
}

/// `text` as it may stand inside an XML comment: no `--` and no trailing `-` (a feed found in
/// the file can name its group with any characters).
fn comment_text(text: &str) -> String {
    let mut out = text.to_string();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    out.trim_end_matches('-').to_string()
}

fn disabled_sources(text: &[u8], doc: &XmlDoc, groups: &Groups, nl: &str, splices: &mut Splices) {
    let internal: Groups = groups
        .iter()
        .map(|(r, l)| {
            (
                r.clone(),
                l.iter()
                    .filter(|(k, _)| k.starts_with("darc-int-"))
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let entries = |indent: &str| {
        render(&internal, indent, nl, |key, _| {
            format!("<add key=\"{}\" value=\"true\" />", escape(key))
        })
    };
    match find(doc, 0, "disabledPackageSources") {
        Some(d) => {
            let el = &doc.elements[d];
            let indent = child_indent(text, doc, d);
            match managed_region(doc, d) {
                Some((first, last)) => {
                    let start = node_span(doc, doc.children(d)[first]).0;
                    let end = node_span(doc, doc.children(d)[last]).1;
                    if internal.is_empty() {
                        let mut s = start;
                        while s > 0 && matches!(text[s - 1], b' ' | b'\t') {
                            s -= 1;
                        }
                        if s > 0 && text[s - 1] == b'\n' {
                            s -= if s > 1 && text[s - 2] == b'\r' { 2 } else { 1 };
                        }
                        splices.replace(s..end, "");
                    } else {
                        splices.replace(start..end, entries(&indent).trim_start().to_string());
                    }
                }
                None if !internal.is_empty() => {
                    let at = doc
                        .child_elements(d)
                        .filter(|(_, e)| e.local_name().eq_ignore_ascii_case("clear"))
                        .last()
                        .map_or(el.tag.end, |(_, c)| {
                            c.end_tag.as_ref().map_or(c.tag.end, |e| e.end)
                        });
                    if el.inner.is_none() {
                        let outer = indentation_at(text, el.tag.start);
                        splices.replace(
                            el.tag.clone(),
                            format!(
                                "<{0}>{1}{nl}{outer}</{0}>",
                                el.name,
                                entries(&format!("{outer}  "))
                            ),
                        );
                    } else {
                        splices.insert(at, entries(&indent));
                    }
                }
                None => {}
            }
        }
        None if !internal.is_empty() => {
            let root = doc.root();
            let Some(end) = &root.end_tag else { return };
            let mut at = end.start;
            while at > 0 && text[at - 1].is_ascii_whitespace() {
                at -= 1;
            }
            let indent = format!("{}  ", indentation_at(text, root.tag.start));
            splices.insert(
                at,
                format!(
                    "{nl}{indent}<disabledPackageSources>{}{nl}{indent}</disabledPackageSources>",
                    entries(&format!("{indent}  "))
                ),
            );
        }
        None => {}
    }
}

#[cfg(test)]
mod tests;
