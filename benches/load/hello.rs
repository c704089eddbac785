//! The bare actix-web handler the load test compares certcase with: the same server
//! stack, two workers as `certcase serve`, and no work per request.
//! `cargo run --release --example load_hello -- 127.0.0.1:8090`

use actix_web::{web, App, HttpResponse, HttpServer};

async fn hello() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("hello")
}

fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".into());
    actix_web::rt::System::new().block_on(
        HttpServer::new(|| App::new().route("/", web::get().to(hello)))
            .workers(2)
            .bind(&bind)?
            .run(),
    )
}
