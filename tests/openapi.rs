//! The generated OpenAPI document: every operation of wwebjs-api is in it (coverage), and it
//! matches the committed snapshot (`UPDATE_SNAPSHOTS=1 cargo test --test openapi` rewrites it).

use utoipa::openapi::PathItem;

fn spec() -> utoipa::openapi::OpenApi {
    wa_gateway::http::api_routes().split_for_parts().1
}

fn has_operation(item: &PathItem, method: &str) -> bool {
    match method {
        "GET" => item.get.is_some(),
        "POST" => item.post.is_some(),
        "DELETE" => item.delete.is_some(),
        "PUT" => item.put.is_some(),
        "PATCH" => item.patch.is_some(),
        _ => false,
    }
}

#[test]
fn every_wwebjs_api_operation_is_documented() {
    let spec = spec();
    let reference = include_str!("fixtures/wwebjs-api-operations.txt");
    let operations: Vec<(&str, &str)> = reference
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_once(' ').expect("METHOD /path"))
        .collect();
    let missing: Vec<String> = operations
        .iter()
        .filter(|(method, path)| {
            !spec
                .paths
                .paths
                .get(*path)
                .is_some_and(|item| has_operation(item, method))
        })
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    let covered = operations.len() - missing.len();
    println!("{covered}/{}", operations.len());
    assert!(
        missing.is_empty(),
        "{covered}/{} operations; missing:\n{}",
        operations.len(),
        missing.join("\n")
    );
}

#[test]
fn every_operation_has_a_tag_and_answers() {
    for (path, item) in &spec().paths.paths {
        for operation in [&item.get, &item.post, &item.delete].into_iter().flatten() {
            assert!(
                operation.tags.as_ref().is_some_and(|t| !t.is_empty()),
                "{path} has no tag"
            );
            assert!(
                !operation.responses.responses.is_empty(),
                "{path} documents no answer"
            );
        }
    }
}

#[test]
fn openapi_snapshot() {
    let current = serde_json::to_string_pretty(&spec()).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, &current).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == current,
        "the OpenAPI document changed; review and run `UPDATE_SNAPSHOTS=1 cargo test --test openapi`"
    );
}
