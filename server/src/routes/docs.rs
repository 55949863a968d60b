//! `GET /docs/{name}`: the product's own documents (how zones are drawn,
//! the incidents API, the architecture), rendered from the Markdown in
//! `docs/` and embedded at build time, so a copied binary still has them
//! and the map's panels can link to them.

use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use pulldown_cmark::{Options, Parser, html};

/// The documents served, by name: each file of `docs/` the map links to.
const DOCS: &[(&str, &str)] = &[
    ("impact-models", include_str!("../../../docs/impact-models.md")),
    ("incidents-api", include_str!("../../../docs/incidents-api.md")),
    ("architecture", include_str!("../../../docs/architecture.md")),
    ("safety-distances", include_str!("../../../docs/safety-distances.md")),
    ("printing", include_str!("../../../docs/printing.md")),
    ("risk-method", include_str!("../../../docs/risk-method.md")),
];

/// Registers the route.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/docs/{name}").get(document));
}

/// The names of the documents served.
pub fn names() -> impl Iterator<Item = &'static str> {
    DOCS.iter().map(|(name, _)| *name)
}

/// One document as an HTML page.
pub fn render(name: &str) -> Option<String> {
    let (_, markdown) = DOCS.iter().find(|(n, _)| *n == name)?;
    let title = markdown
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or(name)
        .trim();
    let mut body = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut body, Parser::new_ext(markdown, Options::ENABLE_TABLES));
    Some(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · Lookout</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>body{{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#111}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}}\
         code{{background:#f3f4f6;padding:0 .2rem}}</style></head><body>\n{body}</body></html>\n",
        escape(title)
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

async fn document(name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let page = render(&name).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "no document {:?}; there are: {}",
                name.as_str(),
                names().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_renders_with_its_title_and_tables() {
        for name in names() {
            let page = render(name).unwrap();
            assert!(page.contains("<h1>"), "{name}");
            assert!(
                page.contains("<title>") && page.contains(" · Lookout</title>"),
                "{name}"
            );
        }
        let impact = render("impact-models").unwrap();
        assert!(impact.contains("<table>"), "tables are rendered");
        assert!(impact.contains("rail tank car"));
        assert!(render("../Cargo.toml").is_none());
    }
}
