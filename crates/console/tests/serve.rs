//! The console router over a real socket: every asset served with its type,
//! the page with its security headers, 404s, revalidation, and merging with
//! a router that owns `POST /` (as the server's does).

// A test: a socket or file that fails is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use axum::routing::post;
use axum::Router;
use sha2::{Digest, Sha256};
use stepwell_console::{router, ASSETS};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on a fresh connection.
fn request(addr: &str, method: &str, path: &str, extra: &[(&str, &str)]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("Content-Length: 0\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..line_end]).unwrap().trim(), 16)
            .unwrap();
        raw = &raw[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

/// Serve the console merged with a stand-in API on `POST /`.
fn start() -> String {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let api: Router = Router::new().route("/", post(|| async { "api" }));
    let app = api.merge(router());
    std::thread::spawn(move || {
        rt.block_on(async move { axum::serve(listener, app).await.unwrap() });
    });
    addr
}

fn assets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
}

fn files_under(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            files_under(&p, base, out);
        } else {
            out.push(
                p.strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

#[test]
fn every_file_is_embedded_and_served_with_its_type() {
    let mut on_disk = Vec::new();
    files_under(&assets_dir(), &assets_dir(), &mut on_disk);
    on_disk.sort();
    let mut embedded: Vec<String> = ASSETS.iter().map(|a| a.path.to_owned()).collect();
    embedded.sort();
    assert_eq!(
        embedded, on_disk,
        "ASSETS must list every file under assets/"
    );

    let addr = start();
    for a in ASSETS.iter().filter(|a| a.path != "index.html") {
        let r = request(&addr, "GET", &format!("/console/assets/{}", a.path), &[]);
        assert_eq!(r.status, 200, "{}", a.path);
        assert_eq!(r.header("content-type"), Some(a.content_type), "{}", a.path);
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(
            r.body,
            std::fs::read(assets_dir().join(a.path)).unwrap(),
            "{}",
            a.path
        );
    }
}

#[test]
fn the_page_its_headers_and_the_api_side_by_side() {
    let addr = start();
    let page = request(&addr, "GET", "/", &[]);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(String::from_utf8_lossy(&page.body).contains("/console/assets/app.js"));

    // The API keeps POST /.
    let api = request(&addr, "POST", "/", &[]);
    assert_eq!((api.status, api.body.as_slice()), (200, b"api".as_slice()));

    // Revalidation.
    let etag = page.header("etag").unwrap().to_owned();
    let again = request(&addr, "GET", "/", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    for missing in [
        "/console/assets/nope.js",
        "/console/assets/../Cargo.toml",
        "/console/assets/%2e%2e/Cargo.toml",
        "/console/assets/index.html",
        "/console/assets/",
    ] {
        assert_eq!(request(&addr, "GET", missing, &[]).status, 404, "{missing}");
    }
}

#[test]
fn every_reference_in_the_page_and_modules_resolves() {
    let names: Vec<&str> = ASSETS.iter().map(|a| a.path).collect();
    let index = std::fs::read_to_string(assets_dir().join("index.html")).unwrap();
    for part in index.split("/console/assets/").skip(1) {
        let path = part.split('"').next().unwrap();
        assert!(names.contains(&path), "index.html refers to {path}");
    }
    for a in ASSETS
        .iter()
        .filter(|a| a.path.ends_with(".js") && !a.path.starts_with("vendor/"))
    {
        let text = std::str::from_utf8(a.body).unwrap();
        for part in text.split("from './").skip(1) {
            let path = part.split('\'').next().unwrap();
            assert!(names.contains(&path), "{} imports {path}", a.path);
        }
    }
}

#[test]
fn the_vendored_dagre_matches_its_recorded_checksum() {
    let dagre = std::fs::read(assets_dir().join("vendor/dagre.min.js")).unwrap();
    let sum: String = Sha256::digest(&dagre)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let readme = std::fs::read_to_string(assets_dir().join("vendor/README.md")).unwrap();
    assert!(
        readme.contains(&sum),
        "vendor/README.md should record SHA-256 {sum}"
    );
    assert!(std::fs::read_to_string(assets_dir().join("vendor/LICENSE"))
        .unwrap()
        .contains("Permission is hereby granted"));
}
