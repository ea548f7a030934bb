//! A real SMTP receiver running in-process (mailin-embedded on its own thread), and the messages
//! it received, decoded enough to read them as a person would: subject, text, links and tokens.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mailin_embedded::{Handler, Response, Server, response};

/// One message as the SMTP receiver got it.
#[derive(Clone, Debug)]
pub struct ReceivedEmail {
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients, lower-cased, without angle brackets.
    pub to: Vec<String>,
    /// The message exactly as transmitted (headers and encoded body).
    pub raw: String,
}

/// An SMTP receiver on 127.0.0.1, possibly not started yet.
pub struct MailServer {
    port: u16,
    inbox: Arc<Mutex<Vec<ReceivedEmail>>>,
    started: Mutex<bool>,
}

impl MailServer {
    /// A receiver that accepts mail from now on.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind the SMTP receiver");
        let port = listener.local_addr().expect("no local address").port();
        let server = Self {
            port,
            inbox: Arc::default(),
            started: Mutex::new(true),
        };
        server.serve(listener);
        server
    }

    /// A free port where a receiver will listen once [`MailServer::come_up`] is called; until then
    /// connections to it are refused, as with a mail server that is down.
    pub fn down() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot reserve a port");
        let port = listener.local_addr().expect("no local address").port();
        drop(listener);
        Self {
            port,
            inbox: Arc::default(),
            started: Mutex::new(false),
        }
    }

    /// Starts listening on the reserved port.
    pub fn come_up(&self) {
        let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        assert!(!*started, "the SMTP receiver is already running");
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .unwrap_or_else(|e| panic!("cannot bind the SMTP receiver to port {}: {e}", self.port));
        self.serve(listener);
        *started = true;
    }

    fn serve(&self, listener: TcpListener) {
        let handler = Receiver {
            inbox: self.inbox.clone(),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        };
        std::thread::Builder::new()
            .name(format!("smtp-receiver-{}", self.port))
            .spawn(move || {
                let mut server = Server::new(handler);
                server
                    .with_name("mail.test")
                    .with_num_threads(4)
                    .with_tcp_listener(listener);
                if let Err(e) = server.serve() {
                    eprintln!("the SMTP receiver stopped: {e}");
                }
            })
            .expect("cannot start the SMTP receiver thread");
    }

    /// The port it listens on (or will, once it comes up).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:<port>`, for the server's settings.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order of arrival.
    pub fn received(&self) -> Vec<ReceivedEmail> {
        self.inbox.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Messages received so far for one address (compared ignoring case and spaces).
    pub fn received_by(&self, address: &str) -> Vec<ReceivedEmail> {
        let address = normalize_address(address);
        self.received()
            .into_iter()
            .filter(|email| email.to.contains(&address))
            .collect()
    }
}

impl MailServer {
    /// The first `count` messages for `address`, polling up to `limit`; panics (listing what
    /// did arrive) when they do not come.
    pub async fn wait_for(
        &self,
        address: &str,
        count: usize,
        limit: Duration,
    ) -> Vec<ReceivedEmail> {
        let start = Instant::now();
        loop {
            let received = self.received_by(address);
            if received.len() >= count {
                return received.into_iter().take(count).collect();
            }
            if start.elapsed() > limit {
                let subjects: Vec<String> = received.iter().map(|e| e.subject()).collect();
                panic!(
                    "waited {limit:?} for {count} email(s) to {address}, got {}: {subjects:?}",
                    received.len()
                );
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn normalize_address(address: &str) -> String {
    address
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_lowercase()
}

/// The mailin session handler: one clone per connection, collecting one message at a time.
#[derive(Clone)]
struct Receiver {
    inbox: Arc<Mutex<Vec<ReceivedEmail>>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Receiver {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_owned();
        self.to = to.iter().map(|a| normalize_address(a)).collect();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let email = ReceivedEmail {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            raw: String::from_utf8_lossy(&std::mem::take(&mut self.data)).into_owned(),
        };
        self.inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(email);
        response::OK
    }
}

impl ReceivedEmail {
    /// The decoded subject line.
    pub fn subject(&self) -> String {
        self.header("subject").unwrap_or_default()
    }

    /// The decoded text of every text part (plain first, then HTML), joined.
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        collect_parts(&normalize_newlines(&self.raw), &mut parts);
        parts.sort_by_key(|(content_type, _)| !content_type.starts_with("text/plain"));
        parts
            .into_iter()
            .map(|(_, text)| text)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Content types of the text parts, in order (e.g. `text/plain` then `text/html`).
    pub fn text_part_types(&self) -> Vec<String> {
        let mut parts = Vec::new();
        collect_parts(&normalize_newlines(&self.raw), &mut parts);
        parts
            .into_iter()
            .map(|(content_type, _)| {
                content_type
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            })
            .collect()
    }

    /// A header of the message, as transmitted (encoded words decoded).
    pub fn header(&self, name: &str) -> Option<String> {
        let (headers, _) = split_message(&normalize_newlines(&self.raw));
        header_value(&headers, &name.to_lowercase()).map(|v| decode_encoded_words(&v))
    }

    /// Whether the decoded text contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.text().contains(needle)
    }

    /// The token of the first link carrying `token=`; panics with the message if there is none.
    pub fn token(&self) -> String {
        self.token_after("token=")
            .unwrap_or_else(|| panic!("no `token=` in the email:\n{}", self.text()))
    }

    /// The token following `prefix` (for example `http://client.test/verify-email?token=`).
    pub fn token_after(&self, prefix: &str) -> Option<String> {
        let text = self.text();
        let start = text.find(prefix)? + prefix.len();
        let token: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "-_.~%".contains(*c))
            .collect();
        (!token.is_empty()).then_some(token)
    }
}

fn normalize_newlines(raw: &str) -> String {
    raw.replace("\r\n", "\n")
}

/// Headers (unfolded) and body of a message or MIME part.
fn split_message(message: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = match message.find("\n\n") {
        Some(i) => (&message[..i], &message[i + 2..]),
        None => (message, ""),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_lowercase(), value.trim().to_owned()));
        }
    }
    (headers, body.to_owned())
}

fn header_value(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// A parameter of a header value, e.g. `boundary` of a content type.
fn header_param(value: &str, param: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (name, v) = p.split_once('=')?;
        (name.trim().eq_ignore_ascii_case(param)).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Walks the MIME tree, collecting (content type, decoded text) of each text leaf.
fn collect_parts(message: &str, out: &mut Vec<(String, String)>) {
    let (headers, body) = split_message(message);
    let content_type = header_value(&headers, "content-type")
        .unwrap_or_else(|| "text/plain".to_owned())
        .to_lowercase();
    if content_type.starts_with("multipart/") {
        // Boundaries are case-sensitive: read them from the original header.
        let original = header_value(&headers, "content-type").unwrap_or_default();
        let Some(boundary) = header_param(&original, "boundary") else {
            return;
        };
        let delimiter = format!("--{boundary}");
        for part in body.split(&delimiter).skip(1) {
            if part.starts_with("--") {
                break;
            }
            collect_parts(part.trim_start_matches('\n'), out);
        }
        return;
    }
    if !content_type.starts_with("text/") {
        return;
    }
    let encoding = header_value(&headers, "content-transfer-encoding")
        .unwrap_or_default()
        .to_lowercase();
    let text = match encoding.as_str() {
        "quoted-printable" => decode_quoted_printable(&body),
        "base64" => decode_base64(&body),
        _ => body,
    };
    out.push((content_type, text));
}

/// Quoted-printable: soft line breaks (`=` at line end) removed, `=XX` decoded as bytes.
fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn decode_base64(body: &str) -> String {
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    match STANDARD.decode(compact.as_bytes()) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => body.to_owned(),
    }
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=` and `=?utf-8?q?…?=`) in a header value.
fn decode_encoded_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        // Whitespace between two encoded words is not part of the text.
        let between_words = before.trim().is_empty() && !out.is_empty();
        if !between_words {
            out.push_str(before);
        }
        let word = &rest[start + 2..];
        let mut pieces = word.splitn(3, '?');
        let (Some(_charset), Some(encoding), Some(tail)) =
            (pieces.next(), pieces.next(), pieces.next())
        else {
            out.push_str(&rest[start..]);
            return out;
        };
        let Some(end) = tail.find("?=") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let encoded = &tail[..end];
        let decoded = if encoding.eq_ignore_ascii_case("b") {
            decode_base64(encoded)
        } else {
            decode_quoted_printable(&encoded.replace('_', " "))
        };
        out.push_str(&decoded);
        rest = &tail[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_links_are_rejoined() {
        let raw = "Content-Type: text/plain; charset=utf-8\r\n\
                   Content-Transfer-Encoding: quoted-printable\r\n\r\n\
                   Open http://client.test/verify-email?token=3DabcDEF=\r\n\
                   123_-xyz to confirm.\r\n";
        let email = ReceivedEmail {
            from: String::new(),
            to: vec![],
            raw: raw.into(),
        };
        assert_eq!(
            email
                .token_after("http://client.test/verify-email?token=")
                .as_deref(),
            Some("abcDEF123_-xyz")
        );
    }

    #[test]
    fn base64_parts_and_encoded_subjects_are_decoded() {
        let body = STANDARD.encode("请点击 http://client.test/verify-email?token=t0k3n 确认");
        let raw = format!(
            "Subject: =?utf-8?b?{}?=\r\nContent-Type: multipart/alternative; boundary=\"XyZ\"\r\n\r\n\
             --XyZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n\
             --XyZ--\r\n",
            STANDARD.encode("验证邮箱")
        );
        let email = ReceivedEmail {
            from: String::new(),
            to: vec![],
            raw,
        };
        assert_eq!(email.subject(), "验证邮箱");
        assert_eq!(email.token(), "t0k3n");
    }
}
