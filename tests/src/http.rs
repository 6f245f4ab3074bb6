//! Raw HTTP/1.0 requests to a server under test, with full control over headers and body
//! (a client library would add or fix headers that the tests need to leave out).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A response: status code and body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The header lines as raw text.
    pub headers: String,
    /// The body as text.
    pub body: String,
}

/// Sends `method path` to the server at `base` (`http://host:port`) with a bearer
/// `token`, extra `headers` (`"Name: value"`) and `body`.
pub fn request(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[&str],
    body: &[u8],
) -> std::io::Result<Answer> {
    let address = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!("{method} {path} HTTP/1.0\r\nHost: {address}\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    // A server may answer (413) before reading a large body: a failed write is fine.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {text:.80}")))?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let headers = head.split_once("\r\n").map_or("", |(_, h)| h);
    Ok(Answer {
        status,
        headers: headers.to_string(),
        body: body.to_string(),
    })
}
