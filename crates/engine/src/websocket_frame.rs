//! The frames the engine writes to an `/api` session itself (RFC 6455, section 5.2): a line of
//! the socket's protocol as one text message, and the closing frame. A server's frames are not
//! masked, so each is a header of two to ten bytes before the payload; writing them here lets
//! the hub put a push straight into the session's TCP socket, as it does into a Unix socket,
//! instead of waking a task per push to have a WebSocket library frame it.

/// A line (its newline left out: a message is a line) as one final text frame.
pub fn text(line: &[u8]) -> Vec<u8> {
    let payload = line.strip_suffix(b"\n").unwrap_or(line);
    frame(0x1, payload)
}

/// A close frame with its code and reason (at most 123 bytes: the rest is cut).
pub fn close(code: u16, reason: &str) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    let reason = reason.as_bytes();
    payload.extend_from_slice(&reason[..reason.len().min(123)]);
    frame(0x8, &payload)
}

/// A ping without payload: the client's WebSocket answers with a pong.
pub fn ping() -> Vec<u8> {
    frame(0x9, &[])
}

fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 10);
    out.push(0x80 | opcode); // FIN: the whole message
    match payload.len() {
        n @ 0..=125 => out.push(n as u8),
        n @ 126..=0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::protocol::{Message, Role, WebSocket};

    /// The engine's side as a client sees it: `bytes` to read; what the client writes (a
    /// pong) goes nowhere.
    struct Engine(std::io::Cursor<Vec<u8>>);

    impl std::io::Read for Engine {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0.read(buf)
        }
    }

    impl std::io::Write for Engine {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What a client's WebSocket reads of `bytes`.
    fn read_by_a_client(bytes: Vec<u8>) -> Vec<Message> {
        let engine = Engine(std::io::Cursor::new(bytes));
        let mut ws = WebSocket::from_raw_socket(engine, Role::Client, None);
        let mut got = Vec::new();
        while let Ok(m) = ws.read() {
            let closing = m.is_close();
            got.push(m);
            if closing {
                break;
            }
        }
        got
    }

    #[test]
    fn a_client_reads_each_line_as_one_text_message_of_any_length() {
        let lengths = [0, 1, 125, 126, 0xFFFF, 0x10000, 300_000];
        let mut bytes = Vec::new();
        for n in lengths {
            let mut line = "é".repeat(n / 2).into_bytes();
            line.resize(n, b'x');
            line.push(b'\n');
            bytes.extend(text(&line));
        }
        bytes.extend(ping());
        bytes.extend(close(4001, "token revoked"));
        let got = read_by_a_client(bytes);
        assert_eq!(got.len(), lengths.len() + 2);
        for (m, n) in got.iter().zip(lengths) {
            let Message::Text(t) = m else { panic!("{m:?}") };
            assert_eq!(t.len(), n, "the newline left out");
        }
        assert_eq!(got[lengths.len()], Message::Ping(Default::default()));
        let Message::Close(Some(c)) = &got[lengths.len() + 1] else {
            panic!("{:?}", got.last())
        };
        assert_eq!(
            (u16::from(c.code), c.reason.as_str()),
            (4001, "token revoked")
        );
    }
}
