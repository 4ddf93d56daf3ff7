//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` attributes, and the
//! Swagger UI at `/api-docs` (served offline from the vendored bundle).

use axum::Router;
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

/// Swagger UI at `/api-docs/`, the document at `/api-docs/openapi.json`.
pub fn swagger_ui(spec: OpenApi) -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api-docs").url("/api-docs/openapi.json", spec))
}
