//! OpenAPI links: how the answer of one operation feeds the next. A resource read with
//! `GET` names the ETag its change or deletion needs (`If-Match: $response.header.ETag`),
//! and a `201 Created` names the id of what it made. Clients can follow them, and so do
//! schema-driven test tools (schemathesis' stateful phase), which then reach rows that exist
//! with the version they have instead of guessing both.
//!
//! The links are derived from the paths, so no handler states them: a `GET` links to every
//! other operation on its own path and on its action paths (`/tasks/{id}/move`); a `201`
//! whose body is schema `S` links to the operations on the item path whose `GET` answers
//! `S`, with the item's key (the last path parameter) taken from the body.

use std::collections::BTreeMap;

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi, RefOr, Schema};

use super::methods;

/// One operation a link can point to.
struct Target {
    path: String,
    operation_id: String,
    if_match: bool,
}

pub(super) fn add_links(doc: &mut OpenApi) {
    let mut targets = Vec::new();
    let mut item_schemas: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in methods(item) {
            if method == "get"
                && path.ends_with('}')
                && let Some(schema) = body_schema(op, "200")
            {
                item_schemas.insert(path.clone(), schema);
            }
            if let Some(id) = &op.operation_id {
                targets.push(Target {
                    path: path.clone(),
                    operation_id: id.clone(),
                    if_match: takes_if_match(op),
                });
            }
        }
    }
    let properties = |schema: &str| -> Vec<String> {
        let schemas = doc.components.as_ref().map(|c| &c.schemas);
        match schemas.and_then(|s| s.get(schema)) {
            Some(RefOr::T(Schema::Object(o))) => o.properties.keys().cloned().collect(),
            _ => Vec::new(),
        }
    };
    let mut created_links = Vec::new();
    for (path, item) in doc.paths.paths.iter() {
        let Some(post) = item.post.as_ref() else {
            continue;
        };
        let Some(made) = body_schema(post, "201") else {
            continue;
        };
        let props = properties(&made);
        for (item_path, schema) in &item_schemas {
            if *schema != made {
                continue;
            }
            if let Some(params) = created_params(path, item_path, &props) {
                created_links.push((path.clone(), item_path.clone(), params));
            }
        }
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        if let Some(get) = item.get.as_mut() {
            let params: Vec<(String, String)> = path_params(path)
                .map(|p| (p.to_owned(), format!("$request.path.{p}")))
                .collect();
            for t in targets.iter().filter(|t| acts_on(path, t)) {
                if t.operation_id != get.operation_id.clone().unwrap_or_default() {
                    add_link(get, "200", t, &params);
                }
            }
        }
        let Some(post) = item.post.as_mut() else {
            continue;
        };
        for (_, item_path, params) in created_links.iter().filter(|(p, _, _)| p == path) {
            for t in targets.iter().filter(|t| acts_on(item_path, t)) {
                add_link(post, "201", t, params);
            }
        }
    }
}

/// Whether `t` works on the resource at `path`: the path itself or one of its actions.
fn acts_on(path: &str, t: &Target) -> bool {
    t.path == path
        || t.path
            .strip_prefix(path)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|rest| !rest.contains(['/', '{']))
}

/// The parameters of a link from `POST create` to the item path: the item's key from the
/// body, the other path parameters from the request (which must have them all).
fn created_params(
    create: &str,
    item: &str,
    body_fields: &[String],
) -> Option<Vec<(String, String)>> {
    let names: Vec<&str> = path_params(item).collect();
    let (key, parents) = names.split_last()?;
    let mut params = Vec::new();
    for p in parents {
        if !path_params(create).any(|c| c == *p) {
            return None;
        }
        params.push((p.to_string(), format!("$request.path.{p}")));
    }
    let field = if body_fields.iter().any(|f| f == key) {
        key
    } else if body_fields.iter().any(|f| f == "id") {
        "id"
    } else {
        return None;
    };
    params.push((key.to_string(), format!("$response.body#/{field}")));
    Some(params)
}

fn add_link(op: &mut Operation, status: &str, t: &Target, params: &[(String, String)]) {
    let Some(RefOr::T(response)) = op.responses.responses.get_mut(status) else {
        return;
    };
    let mut link = LinkBuilder::new().operation_id(&t.operation_id);
    for (name, value) in params {
        link = link.parameter(name, value.as_str());
    }
    if t.if_match {
        link = link.parameter("If-Match", "$response.header.ETag");
    }
    response
        .links
        .insert(t.operation_id.clone(), link.build().into());
}

fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

fn takes_if_match(op: &Operation) -> bool {
    op.parameters.iter().flatten().any(|p| {
        matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Header && p.name == "If-Match")
    })
}

/// The component name of the JSON body answered with `status`, if it is one.
fn body_schema(op: &Operation, status: &str) -> Option<String> {
    let RefOr::T(response) = op.responses.responses.get(status)? else {
        return None;
    };
    let RefOr::T(content) = response.content.get("application/json")? else {
        return None;
    };
    let RefOr::Ref(r) = content.schema.as_ref()? else {
        return None;
    };
    r.ref_location
        .strip_prefix("#/components/schemas/")
        .map(str::to_owned)
}
