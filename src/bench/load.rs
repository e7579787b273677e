//! The load generator: N keep-alive HTTP/1.1 connections over loopback, each sending its next
//! delivery as soon as the previous one is answered, and a latency histogram.
//!
//! The client is a minimal HTTP/1.1 writer and reader on a `TcpStream` rather than reqwest: it
//! shares the 2 cores with the server under test, so every microsecond it spends is taken from
//! the engine. It frames responses by `Content-Length` (what axum sends) and refuses anything else.

use super::deliveries::{Built, DeliveryGen};
use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A log-linear histogram of microseconds (like HdrHistogram): exact below 128 µs, then 64
/// buckets per power of two (under 1.6% error). Fixed size, so memory stays flat however long
/// the run.
#[derive(Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
    sum: u128,
}

const SUB_BITS: u32 = 6;
const EXACT: u64 = 1 << (SUB_BITS + 1); // 128
const BUCKETS: usize = EXACT as usize + (64 - SUB_BITS as usize - 1) * (1 << SUB_BITS);

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS],
            total: 0,
            max: 0,
            sum: 0,
        }
    }
}

impl Histogram {
    fn index(v: u64) -> usize {
        if v < EXACT {
            return v as usize;
        }
        let e = 63 - v.leading_zeros(); // >= 7
        let shift = e - SUB_BITS;
        let sub = (v >> shift) - (1 << SUB_BITS); // 0..64
        EXACT as usize + (e - SUB_BITS - 1) as usize * (1 << SUB_BITS) + sub as usize
    }

    /// The highest value a bucket holds.
    fn upper(i: usize) -> u64 {
        if (i as u64) < EXACT {
            return i as u64;
        }
        let j = i - EXACT as usize;
        let e = (j >> SUB_BITS) as u32 + SUB_BITS + 1;
        let sub = (j & ((1 << SUB_BITS) - 1)) as u64 + (1 << SUB_BITS);
        let shift = e - SUB_BITS;
        ((sub + 1) << shift) - 1
    }

    pub fn record(&mut self, micros: u64) {
        self.counts[Self::index(micros)] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
        self.sum += micros as u128;
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    /// The value at quantile `q` (0..=1), in microseconds (the bucket's upper bound, capped by
    /// the maximum seen).
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::upper(i).min(self.max);
            }
        }
        self.max
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    pub fn mean(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.sum as f64 / self.total as f64
        }
    }
}

/// What a load run saw.
#[derive(Default)]
pub struct LoadResult {
    pub sent: u64,
    /// Answered 200.
    pub ok: u64,
    /// Other answers, by status code.
    pub non_200: BTreeMap<u16, u64>,
    /// Requests that got no answer (connection reset, malformed response…).
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// Latency of the 200s, request written to response read (over every try of it).
    pub latency: Histogram,
    /// 200s by target, in the order the targets were given.
    pub ok_by_target: Vec<u64>,
    /// Tries that got no answer from a target and went on to the next one (several targets
    /// only, as a load balancer that retries elsewhere would).
    pub failovers: u64,
}

/// A connection stops after this many requests in a row got no answer.
const GIVE_UP_AFTER: u32 = 50;

/// Live counters a monitor can read while the load runs.
#[derive(Default)]
pub struct Progress {
    pub answered: AtomicU64,
}

/// Sends deliveries `0..count` of `generator` to `addr` over `connections` connections.
pub async fn drive(
    addr: SocketAddr,
    count: u64,
    connections: usize,
    generator: Arc<DeliveryGen>,
    progress: Arc<Progress>,
    rate: Option<u64>,
) -> LoadResult {
    drive_spread(
        Arc::new(vec![addr]),
        count,
        connections,
        generator,
        progress,
        rate,
    )
    .await
}

/// Sends deliveries `0..count` of `generator` over `connections` connections, each delivery to
/// the next of `targets` in turn (round robin by delivery, as a load balancer keeping a
/// keep-alive connection to every backend would). A try that gets no answer (a target down)
/// goes on to the next target, up to one try per target.
pub async fn drive_spread(
    targets: Arc<Vec<SocketAddr>>,
    count: u64,
    connections: usize,
    generator: Arc<DeliveryGen>,
    progress: Arc<Progress>,
    rate: Option<u64>,
) -> LoadResult {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    // Paced: delivery `seq` leaves no earlier than `seq / rate` seconds after the start.
    let pace = rate.filter(|r| *r > 0).map(|r| (started, r as f64));
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections.max(1) {
        let next = next.clone();
        let generator = generator.clone();
        let progress = progress.clone();
        let targets = targets.clone();
        tasks.push(tokio::spawn(async move {
            connection_task(&targets, count, &next, &generator, &progress, pace).await
        }));
    }
    let mut total = LoadResult {
        ok_by_target: vec![0; targets.len()],
        ..LoadResult::default()
    };
    for t in tasks {
        match t.await {
            Ok(r) => {
                total.sent += r.sent;
                total.ok += r.ok;
                total.errors += r.errors;
                total.failovers += r.failovers;
                for (t, ok) in total.ok_by_target.iter_mut().zip(&r.ok_by_target) {
                    *t += ok;
                }
                for (k, v) in r.non_200 {
                    *total.non_200.entry(k).or_default() += v;
                }
                if total.first_error.is_none() {
                    total.first_error = r.first_error;
                }
                total.latency.merge(&r.latency);
            }
            Err(e) => {
                total.errors += 1;
                total
                    .first_error
                    .get_or_insert_with(|| format!("a load task failed: {e}"));
            }
        }
    }
    total.elapsed = started.elapsed();
    total
}

/// The POST Meta's servers would send, into `request` (reused: no allocation per delivery).
fn write_request(request: &mut Vec<u8>, host: &str, built: &Built) {
    request.clear();
    request.extend_from_slice(b"POST /webhook HTTP/1.1\r\nhost: ");
    request.extend_from_slice(host.as_bytes());
    request.extend_from_slice(
        b"\r\nuser-agent: facebookexternalua\r\ncontent-type: application/json\r\nx-hub-signature-256: ",
    );
    request.extend_from_slice(built.signature.as_bytes());
    request.extend_from_slice(b"\r\ncontent-length: ");
    request.extend_from_slice(built.body.len().to_string().as_bytes());
    request.extend_from_slice(b"\r\n\r\n");
    request.extend_from_slice(&built.body);
}

async fn connection_task(
    targets: &[SocketAddr],
    count: u64,
    next: &AtomicU64,
    generator: &DeliveryGen,
    progress: &Progress,
    pace: Option<(Instant, f64)>,
) -> LoadResult {
    let mut result = LoadResult {
        ok_by_target: vec![0; targets.len()],
        ..LoadResult::default()
    };
    // One keep-alive connection per target, opened when first needed.
    let mut conns: Vec<Option<Conn>> = targets.iter().map(|_| None).collect();
    let hosts: Vec<String> = targets.iter().map(|a| a.to_string()).collect();
    let mut built = Built::default();
    let mut request = Vec::with_capacity(4096);
    let mut failing = 0;
    loop {
        let seq = next.fetch_add(1, Ordering::Relaxed);
        if seq >= count {
            break;
        }
        if let Some((start, rate)) = pace {
            let due = start + Duration::from_secs_f64(seq as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
        }
        // Built before the clock starts: the latency is the server's (and the loopback's).
        generator.build(seq, &mut built, true);
        result.sent += 1;

        let started = Instant::now();
        let first = (seq % targets.len() as u64) as usize;
        let mut answer = Err(bad("no target"));
        let mut answered_by = first;
        for attempt in 0..targets.len() {
            let t = (first + attempt) % targets.len();
            if attempt > 0 {
                result.failovers += 1;
            }
            write_request(&mut request, &hosts[t], &built);
            answer = match conns[t].as_mut() {
                Some(c) => c.round_trip(&request).await,
                None => match Conn::open(targets[t]).await {
                    Ok(c) => conns[t].insert(c).round_trip(&request).await,
                    Err(e) => Err(e),
                },
            };
            answered_by = t;
            if answer.is_ok() {
                break;
            }
            conns[t] = None;
        }
        let micros = started.elapsed().as_micros() as u64;
        progress.answered.fetch_add(1, Ordering::Relaxed);
        match answer {
            Ok((status, close)) => {
                failing = 0;
                if status == 200 {
                    result.ok += 1;
                    result.ok_by_target[answered_by] += 1;
                    result.latency.record(micros);
                } else {
                    *result.non_200.entry(status).or_default() += 1;
                }
                if close {
                    conns[answered_by] = None;
                }
            }
            Err(e) => {
                result.errors += 1;
                result
                    .first_error
                    .get_or_insert_with(|| format!("request {seq}: {e}"));
                failing += 1;
                if failing >= GIVE_UP_AFTER {
                    // The server is gone: stop this connection (what it did not send shows).
                    break;
                }
                // Do not spin on a server that is restarting.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    result
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(4096),
        })
    }

    /// Writes one request and reads its response; returns the status and whether the server
    /// will close the connection.
    async fn round_trip(&mut self, request: &[u8]) -> io::Result<(u16, bool)> {
        self.stream.write_all(request).await?;
        self.buf.clear();
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end])
                    .map_err(|_| bad("a response head that is not UTF-8"))?;
                let (status, length, close) = parse_head(head)?;
                let total = end + 4 + length;
                while self.buf.len() < total {
                    self.read_more().await?;
                }
                if self.buf.len() > total {
                    return Err(bad("bytes after the response (the server answered twice?)"));
                }
                return Ok((status, close));
            }
            self.read_more().await?;
        }
    }

    async fn read_more(&mut self) -> io::Result<()> {
        self.buf.reserve(4096);
        let n = self.stream.read_buf(&mut self.buf).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        Ok(())
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Status code, body length and `connection: close` from a response head.
fn parse_head(head: &str) -> io::Result<(u16, usize, bool)> {
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad("a response without a status line"))?;
    let mut length = None;
    let mut close = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| bad("a bad content-length"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad(
                "a chunked response (this client reads content-length only)",
            ));
        } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
            close = true;
        }
    }
    // No length: only bodiless answers are valid here.
    let length = match length {
        Some(l) => l,
        None if status == 204 || status == 304 || status < 200 => 0,
        None => return Err(bad("a response without content-length")),
    };
    Ok((status, length, close))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_within_two_percent() {
        let mut h = Histogram::default();
        for v in 1..=100_000u64 {
            h.record(v);
        }
        for (q, want) in [(0.5, 50_000.0), (0.99, 99_000.0), (0.999, 99_900.0)] {
            let got = h.quantile(q) as f64;
            assert!((got - want).abs() / want < 0.02, "q{q}: {got} vs {want}");
        }
        assert_eq!(h.quantile(1.0), 100_000);
        assert_eq!(Histogram::index(127), 127);
        for v in [128u64, 129, 1000, 65_535, 1 << 40] {
            let i = Histogram::index(v);
            assert!(Histogram::upper(i) >= v, "{v}");
            assert!(i == 0 || Histogram::upper(i - 1) < v, "{v}");
        }
    }

    #[test]
    fn response_heads_parse() {
        let h = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\ndate: x";
        assert_eq!(parse_head(h).ok(), Some((200, 0, false)));
        let h = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 3\r\nConnection: close";
        assert_eq!(parse_head(h).ok(), Some((401, 3, true)));
        assert!(parse_head("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked").is_err());
    }
}
