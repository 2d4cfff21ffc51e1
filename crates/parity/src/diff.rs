//! Differences between two canonical documents, each named by the JSON pointer (RFC 6901) where
//! it occurs, with both values (`None` where one side has nothing there).

use crate::canon::Json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub pointer: String,
    pub left: Option<Json>,
    pub right: Option<Json>,
}

/// Every place where the documents differ. Arrays are compared index by index (order matters);
/// objects key by key. A scalar that differs, or a value whose type differs, is one difference.
pub fn diff(left: Option<&Json>, right: Option<&Json>) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(left, right, &mut String::new(), &mut out);
    out
}

fn walk(left: Option<&Json>, right: Option<&Json>, pointer: &mut String, out: &mut Vec<Difference>) {
    match (left, right) {
        (Some(Json::Object(l)), Some(Json::Object(r))) => {
            let mut keys: Vec<&String> = l.keys().chain(r.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape(key));
                walk(l.get(key), r.get(key), pointer, out);
                pointer.truncate(len);
            }
        }
        (Some(Json::Array(l)), Some(Json::Array(r))) => {
            for i in 0..l.len().max(r.len()) {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk(l.get(i), r.get(i), pointer, out);
                pointer.truncate(len);
            }
        }
        (l, r) if l == r => {}
        (l, r) => out.push(Difference { pointer: pointer.clone(), left: l.cloned(), right: r.cloned() }),
    }
}

/// One reference token: `~` becomes `~0`, `/` becomes `~1`.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The reference tokens of a pointer, unescaped. `""` is the whole document.
pub fn split_pointer(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer.trim_start_matches('/').split('/').map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

/// Does `pattern` (a pointer whose tokens may be `*`, matching any one token) name `pointer`?
pub fn pattern_matches(pattern: &[String], pointer: &[String]) -> bool {
    pattern.len() == pointer.len() && pattern.iter().zip(pointer).all(|(p, s)| p == "*" || p == s)
}

/// Replaces every value that `pattern` reaches in `doc` with `f(value)`; returns how many.
pub fn replace_matches(doc: &mut Json, pattern: &[String], f: &dyn Fn(&Json) -> Json) -> usize {
    let Some((head, rest)) = pattern.split_first() else {
        *doc = f(doc);
        return 1;
    };
    match doc {
        Json::Object(map) => {
            if head == "*" {
                map.values_mut().map(|v| replace_matches(v, rest, f)).sum()
            } else {
                map.get_mut(head).map_or(0, |v| replace_matches(v, rest, f))
            }
        }
        Json::Array(items) => {
            if head == "*" {
                items.iter_mut().map(|v| replace_matches(v, rest, f)).sum()
            } else {
                head.parse::<usize>().ok().and_then(|i| items.get_mut(i)).map_or(0, |v| replace_matches(v, rest, f))
            }
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(text: &str) -> Json {
        Json::parse(text).unwrap()
    }

    fn pointers(l: &str, r: &str) -> Vec<String> {
        diff(Some(&j(l)), Some(&j(r))).into_iter().map(|d| d.pointer).collect()
    }

    #[test]
    fn equal_documents_have_no_differences() {
        assert!(pointers(r#"{"a":[1,{"b":2}]}"#, r#"{"a":[1,{"b":2}]}"#).is_empty());
    }

    #[test]
    fn a_changed_value_is_named_by_its_pointer_with_both_values() {
        let d = diff(Some(&j(r#"{"user":{"role":"admin"}}"#)), Some(&j(r#"{"user":{"role":"viewer"}}"#)));
        assert_eq!(
            d,
            vec![Difference { pointer: "/user/role".into(), left: Some(j("\"admin\"")), right: Some(j("\"viewer\"")) }]
        );
    }

    #[test]
    fn a_missing_field_has_no_value_on_that_side() {
        let d = diff(Some(&j(r#"{"a":1,"b":2}"#)), Some(&j(r#"{"a":1}"#)));
        assert_eq!(d, vec![Difference { pointer: "/b".into(), left: Some(j("2")), right: None }]);
    }

    #[test]
    fn arrays_compare_in_order() {
        assert_eq!(pointers(r#"{"c":["x","y"]}"#, r#"{"c":["y","x"]}"#), ["/c/0", "/c/1"]);
        assert_eq!(pointers("[1,2]", "[1,2,3]"), ["/2"]);
    }

    #[test]
    fn a_type_change_is_one_difference_at_its_place() {
        assert_eq!(pointers(r#"{"id":{"n":1}}"#, r#"{"id":"1"}"#), ["/id"]);
        assert_eq!(pointers("1", "1.0"), [""]);
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(pointers(r#"{"a/b":1,"m~n":1}"#, r#"{"a/b":2,"m~n":2}"#), ["/a~1b", "/m~0n"]);
        assert_eq!(split_pointer("/a~1b/m~0n"), ["a/b", "m~n"]);
        assert_eq!(j(r#"{"a/b":{"m~n":5}}"#).pointer("/a~1b/m~0n"), Some(&j("5")));
    }

    #[test]
    fn wildcards_match_one_token() {
        let pattern = split_pointer("/body/items/*/prefix");
        assert!(pattern_matches(&pattern, &split_pointer("/body/items/3/prefix")));
        assert!(!pattern_matches(&pattern, &split_pointer("/body/items/3/name")));
        assert!(!pattern_matches(&pattern, &split_pointer("/body/items/prefix")));
        let mut doc = j(r#"{"body":{"items":[{"prefix":"a"},{"prefix":"b"},{"name":"c"}]}}"#);
        let n = replace_matches(&mut doc, &pattern, &|_| Json::str("x"));
        assert_eq!(n, 2);
        assert_eq!(doc.canonical(), r#"{"body":{"items":[{"prefix":"x"},{"prefix":"x"},{"name":"c"}]}}"#);
    }
}
