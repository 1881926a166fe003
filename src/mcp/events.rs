//! Server-sent events, parsed as the HTML standard says: lines end in CRLF, LF or CR (also
//! across chunk boundaries), `data` lines join with newlines, comments start with `:`, one
//! space after the colon is dropped, an event without data is not dispatched.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The `event` field; `message` when absent.
    pub event: String,
    pub data: String,
    pub id: Option<String>,
}

/// Turns the bytes of a stream, as they arrive, into events.
#[derive(Debug, Default)]
pub struct EventParser {
    line: Vec<u8>,
    /// The previous line ended with CR: a LF right after it is part of that ending.
    after_cr: bool,
    /// No byte seen yet (a leading byte order mark is dropped).
    started: bool,
    event: String,
    data: String,
    has_data: bool,
    id: Option<String>,
}

impl EventParser {
    pub fn new() -> EventParser {
        EventParser::default()
    }

    /// Feeds the next bytes; returns the events they complete.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Vec<Event> {
        if !self.started && !bytes.is_empty() {
            self.started = true;
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        let mut out = Vec::new();
        for &b in bytes {
            if std::mem::take(&mut self.after_cr) && b == b'\n' {
                continue;
            }
            match b {
                b'\n' => self.end_line(&mut out),
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(&mut out);
                }
                _ => self.line.push(b),
            }
        }
        out
    }

    fn end_line(&mut self, out: &mut Vec<Event>) {
        let raw = std::mem::take(&mut self.line);
        let line = String::from_utf8_lossy(&raw);
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.id = Some(value.to_string()),
            // `retry` and unknown fields do not matter to a client that does not reconnect.
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<Event>) {
        let event = std::mem::take(&mut self.event);
        if !std::mem::take(&mut self.has_data) {
            return;
        }
        out.push(Event {
            event: if event.is_empty() {
                "message".into()
            } else {
                event
            },
            data: std::mem::take(&mut self.data),
            // The last event id persists across events, as in a browser.
            id: self.id.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<Event> {
        let mut p = EventParser::new();
        chunks.iter().flat_map(|c| p.feed(c)).collect()
    }

    fn ev(event: &str, data: &str, id: Option<&str>) -> Event {
        Event {
            event: event.into(),
            data: data.into(),
            id: id.map(Into::into),
        }
    }

    #[test]
    fn every_line_ending_and_chunk_boundary() {
        let text = b"event: endpoint\r\ndata: /messages/?s=1\r\n\r\nid: 7\rdata: {\"a\":\r\r: comment\ndata:x\n\n";
        let expected = vec![
            ev("endpoint", "/messages/?s=1", None),
            ev("message", "{\"a\":", Some("7")),
            ev("message", "x", Some("7")),
        ];
        assert_eq!(all(&[text]), expected);
        // Byte by byte, so CR and LF of one ending arrive apart.
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(all(&bytes), expected);
    }

    #[test]
    fn multi_line_data_comments_and_empty_events() {
        let got = all(&[b"\xef\xbb\xbf: hello\n\nevent: x\n\ndata\ndata:  two\ndata: three\n\n"]);
        // The event with no data is dropped; its type does not leak into the next one.
        assert_eq!(got, vec![ev("message", "\n two\nthree", None)]);
    }

    #[test]
    fn an_event_waits_for_its_blank_line() {
        let mut p = EventParser::new();
        assert!(p.feed(b"data: {}\n").is_empty());
        assert_eq!(p.feed(b"\n"), vec![ev("message", "{}", None)]);
        // Multi-byte characters split across chunks survive.
        let s = "data: é\n\n".as_bytes();
        assert!(p.feed(&s[..7]).is_empty());
        assert_eq!(p.feed(&s[7..]), vec![ev("message", "é", None)]);
    }
}
