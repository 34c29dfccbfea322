//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' `#[utoipa::path]`
//! annotations and the `ToSchema` types, served at `/api/v1/openapi.json` and checked into
//! `docs/openapi.json` (a test fails when the two differ).
//!
//! Handlers describe only their success responses; [`finish`] adds the problem+json error
//! response, the `Idempotency-Key` header of POSTs, the security schemes and the `/api/v1` prefix to every operation in one place,
//! so no handler can forget them.

mod links;

use std::collections::HashMap;
use utoipa::openapi::Required;

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr};

use utoipa::{PartialSchema, ToSchema};

use crate::auth::SESSION_COOKIE;
use crate::error::ProblemDoc;

/// Where the API is mounted.
pub const PREFIX: &str = "/api/v1";

/// The document's skeleton before the routes add their paths.
pub(crate) fn base() -> OpenApi {
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("govhub workspace API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Agencies, the employee directory, accounts and the audit log of govhub. \
                     Errors are RFC 9457 problem+json with a stable `code` and a Korean and \
                     English `message`; updates need `If-Match` with the ETag last read.",
                ))
                .build(),
        )
        .build()
}

/// Prefixes every path with [`PREFIX`] and adds what every operation shares.
pub(crate) fn finish(mut doc: OpenApi) -> OpenApi {
    let mut paths = Paths::new();
    for (path, mut item) in std::mem::take(&mut doc.paths.paths) {
        if let Some(post) = item.post.as_mut() {
            add_idempotency_key(post);
        }
        for op in operations(&mut item) {
            add_problem_response(op);
            constrain_parameters(op);
        }
        paths.paths.insert(format!("{PREFIX}{path}"), item);
    }
    doc.paths = paths;
    unique_operation_ids(&mut doc);
    let components = doc.components.get_or_insert_with(Default::default);
    let mut schemas = vec![(ProblemDoc::name().into_owned(), ProblemDoc::schema())];
    ProblemDoc::schemas(&mut schemas);
    components.schemas.extend(schemas);
    for (name, schema) in components.schemas.iter_mut() {
        if name.ends_with("Id")
            && let RefOr::T(Schema::Object(id)) = schema
        {
            positive_id(id);
        }
    }
    links::add_links(&mut doc);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
    );
    doc.security = Some(vec![
        SecurityRequirement::new("bearer", Vec::<String>::new()),
        SecurityRequirement::new("session", Vec::<String>::new()),
    ]);
    doc
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    methods(item).map(|(_, op)| op)
}

/// Handlers of different resources share function names (`list`, `create`, …), and utoipa
/// takes the operation id from the name; OpenAPI requires ids to be unique, so a shared one
/// becomes `<method>_<path>` (e.g. `get_agencies_id`), unique because the pair is.
fn unique_operation_ids(doc: &mut OpenApi) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            if let Some(id) = &op.operation_id {
                *seen.entry(id.clone()).or_default() += 1;
            }
        }
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let slug: String = path
            .trim_start_matches(PREFIX)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let slug = slug
            .split('_')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        for (method, op) in methods(item) {
            if op.operation_id.as_ref().is_some_and(|id| seen[id] > 1) {
                op.operation_id = Some(format!("{method}_{slug}"));
            }
        }
    }
}

fn methods(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
}

fn add_idempotency_key(op: &mut Operation) {
    let param = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry of this POST safe: the same key with the same request within \
             24 h answers the first response again (with `Idempotency-Replayed: true`).",
        ))
        .schema(Some(
            // What `idempotency::parse_key` accepts: printable ASCII without spaces.
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(crate::idempotency::MAX_KEY_LEN))
                .pattern(Some("^[!-~]+$")),
        ))
        .build();
    op.parameters
        .get_or_insert_with(Vec::new)
        .push(param.into());
}

fn add_problem_response(op: &mut Operation) {
    let problem = ResponseBuilder::new()
        .description("An error: RFC 9457 problem+json with a stable `code`")
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build();
    op.responses
        .responses
        .insert("default".to_owned(), problem.into());
}

/// States the rules that the shared extractors enforce on parameters, for every operation
/// at once: ids are positive (no row has another), `If-Match` is one strong ETag of ours
/// (`"v<version>"`; anything else can never match), `limit` is 1 to [`paging::MAX_LIMIT`]
/// and `cursor` is the base64url text the previous page gave.
///
/// [`paging::MAX_LIMIT`]: crate::paging::MAX_LIMIT
fn constrain_parameters(op: &mut Operation) {
    for param in op.parameters.iter_mut().flatten() {
        let RefOr::T(param) = param else { continue };
        let Some(RefOr::T(Schema::Object(schema))) = param.schema.as_mut() else {
            continue;
        };
        match (&param.parameter_in, param.name.as_str()) {
            (ParameterIn::Path, _) => positive_id(schema),
            (ParameterIn::Header, "If-Match") => {
                schema.pattern = Some(r#"^"v[1-9][0-9]{0,17}"$"#.to_owned());
                schema.examples = vec!["\"v1\"".into()];
            }
            (ParameterIn::Query, "limit") => {
                schema.minimum = Some(1.into());
                schema.maximum = Some(crate::paging::MAX_LIMIT.into());
            }
            (ParameterIn::Query, "cursor") => {
                schema.pattern = Some("^[A-Za-z0-9_-]*$".to_owned());
                schema.max_length = Some(crate::paging::MAX_CURSOR_LEN);
            }
            _ => {}
        }
    }
}

/// Every id the API hands out is a positive integer.
fn positive_id(schema: &mut Object) {
    let integer = match &schema.schema_type {
        SchemaType::Type(t) => *t == Type::Integer,
        SchemaType::Array(ts) => ts.contains(&Type::Integer),
        _ => false,
    };
    if integer {
        schema.minimum = Some(1.into());
    }
}
