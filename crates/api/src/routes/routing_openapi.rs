//! OpenAPI entries of the routing collections ([`RESOURCES`]): their handlers are generic,
//! so the five operations per collection and the entry schemas are built here rather than
//! by `#[utoipa::path]`.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, Schema};

use super::routing_resources::{ResourceDoc, RESOURCES};

/// Adds every routing collection's paths and entry schema to `doc`.
pub(crate) fn add_openapi_paths(doc: &mut OpenApi) {
    for r in RESOURCES {
        add_schema(doc, r);
        let item_path = format!("{}/{{{}}}", r.path, r.key);
        let paths = &mut doc.paths;
        paths.add_path_operation(
            r.path,
            vec![HttpMethod::Get],
            operation(
                r,
                &format!("list_{}", r.plural),
                "List in configuration order",
            )
            .response("200", json_response("Every entry", array_of(r.schema)))
            .response("403", error("Role user")),
        );
        paths.add_path_operation(
            r.path,
            vec![HttpMethod::Post],
            operation(r, &format!("create_{}", r.singular), "Create (admin)")
                .request_body(Some(body(r.schema)))
                .response("201", json_response("Created", reference(r.schema)))
                .response(
                    "400",
                    error("Invalid; `field` names the first bad path, `issues` lists all"),
                )
                .response("403", error("Only admin may change routing"))
                .response("409", error("The key is taken")),
        );
        paths.add_path_operation(
            &item_path,
            vec![HttpMethod::Get],
            operation(r, &format!("get_{}", r.singular), "Show one")
                .parameter(key_param(r))
                .response("200", json_response("The entry", reference(r.schema)))
                .response("403", error("Role user"))
                .response("404", error("Not found")),
        );
        paths.add_path_operation(
            &item_path,
            vec![HttpMethod::Put],
            operation(r, &format!("replace_{}", r.singular), "Replace (admin)")
                .parameter(key_param(r))
                .request_body(Some(body(r.schema)))
                .response("200", json_response("Replaced", reference(r.schema)))
                .response(
                    "400",
                    error("Invalid, or the key in the body differs from the path"),
                )
                .response("403", error("Only admin may change routing"))
                .response("404", error("Not found")),
        );
        paths.add_path_operation(
            &item_path,
            vec![HttpMethod::Delete],
            operation(r, &format!("delete_{}", r.singular), "Delete (admin)")
                .parameter(key_param(r))
                .response("204", ResponseBuilder::new().description("Deleted").build())
                .response("403", error("Only admin may change routing"))
                .response("404", error("Not found"))
                .response("409", error("Still referred to by another routing object")),
        );
    }
}

/// The entry schema: an object described in words, with an example.
fn add_schema(doc: &mut OpenApi, r: &ResourceDoc) {
    let example: serde_json::Value = serde_json::from_str(r.example).unwrap_or_default();
    let schema = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(r.description))
        .examples([example])
        .build();
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert(r.schema.to_owned(), RefOr::T(Schema::Object(schema)));
}

/// An operation with its id, tag, summary, the 401 answer and both security schemes.
fn operation(r: &ResourceDoc, id: &str, summary: &str) -> OperationBuilder {
    OperationBuilder::new()
        .operation_id(Some(id))
        .tag(r.tag)
        .summary(Some(summary))
        .response("401", error("Not authenticated"))
        .security(SecurityRequirement::new("basic", Vec::<String>::new()))
        .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
}

fn key_param(r: &ResourceDoc) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(r.key)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(format!("The entry's `{}`", r.key)))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).build()))
        .build()
}

fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn array_of(name: &str) -> RefOr<Schema> {
    RefOr::T(Schema::Array(
        ArrayBuilder::new().items(reference(name)).build(),
    ))
}

fn body(name: &str) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(reference(name))).build(),
        )
        .required(Some(Required::True))
        .build()
}

fn json_response(description: &str, schema: RefOr<Schema>) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

fn error(description: &str) -> utoipa::openapi::Response {
    json_response(description, reference("ErrorBody"))
}
