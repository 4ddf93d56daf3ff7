//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` attributes, and the
//! Swagger UI at `/api-docs` (served offline from the vendored bundle).

use axum::Router;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, SecurityRequirement};
use utoipa_swagger_ui::SwaggerUi;

use super::AppState;

/// Title, version and the `x-api-key` security scheme; the paths come from the routers.
pub fn base_document() -> OpenApi {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("wa-gateway")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "REST gateway over WhatsApp Web, compatible with wwebjs-api",
                ))
                .build(),
        )
        .security(Some([SecurityRequirement::new(
            "apiKeyAuth",
            Vec::<String>::new(),
        )]))
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "apiKeyAuth",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))),
    );
    doc
}

/// Declares wwebjs-api's error answer, `500 {"success":false,"error":"<message>"}`, on every
/// operation but /ping that does not document its own 500 (wwebjs-api's document has it on
/// all of them; clients rely on 'Chat not found', 'Contact not found' and the like).
pub fn declare_error_answers(doc: &mut OpenApi) {
    let error_answer = || {
        let schema = ObjectBuilder::new()
            .property("success", ObjectBuilder::new().schema_type(Type::Boolean))
            .property("error", ObjectBuilder::new().schema_type(Type::String))
            .required("success")
            .required("error")
            .build();
        ResponseBuilder::new()
            .description("wwebjs-api's error answer: what the WhatsApp Web call failed with")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(schema))
                    .example(Some(
                        serde_json::json!({"success": false, "error": "Chat not found"}),
                    ))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        if path == "/ping" {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            operation
                .responses
                .responses
                .entry("500".to_owned())
                .or_insert_with(|| error_answer().into());
        }
    }
}

/// Swagger UI at `/api-docs/`, the document at `/api-docs/openapi.json`.
pub fn swagger_ui(spec: OpenApi) -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api-docs").url("/api-docs/openapi.json", spec))
}
