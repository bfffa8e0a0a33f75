//! A small HTTP load generator for the lookup benchmark (`scripts/bench-lookup.sh`): N
//! clients on keep-alive connections, each request's latency recorded, for a fixed time.
//!
//! `cargo run --release --example http_load -- ADDR CLIENTS SECONDS HEADER PATH...`
//! (HEADER is one `Name: value` line, or `-`; the paths are taken in turn).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 5 {
        eprintln!("usage: http_load ADDR CLIENTS SECONDS HEADER PATH...");
        std::process::exit(2);
    }
    let addr = args[0].clone();
    let clients: usize = args[1].parse().expect("CLIENTS is a number");
    let seconds: f64 = args[2].parse().expect("SECONDS is a number");
    let header = if args[3] == "-" { String::new() } else { format!("{}\r\n", args[3]) };
    let paths: Vec<String> = args[4..].to_vec();
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let (addr, header, paths) = (addr.clone(), header.clone(), paths.clone());
            std::thread::spawn(move || {
                let mut times = Vec::new();
                let mut errors = 0u64;
                let mut conn = BufReader::new(TcpStream::connect(&addr).expect("the server listens"));
                let mut i = c;
                while Instant::now() < until {
                    let path = &paths[i % paths.len()];
                    i += clients;
                    let t = Instant::now();
                    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{header}\r\n");
                    match request(&mut conn, &req) {
                        Some(200) => times.push(t.elapsed()),
                        Some(_) => errors += 1,
                        None => {
                            errors += 1;
                            conn = BufReader::new(TcpStream::connect(&addr).expect("the server listens"));
                        }
                    }
                }
                (times, errors)
            })
        })
        .collect();
    let mut times = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (t, e) = w.join().unwrap();
        times.extend(t);
        errors += e;
    }
    let wall = started.elapsed().as_secs_f64();
    times.sort();
    let pct = |p: f64| times.get(((times.len() as f64 * p) as usize).min(times.len().saturating_sub(1))).copied();
    let ms = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    println!(
        "{} requests in {wall:.1} s: {:.0} req/s, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, {errors} errors",
        times.len(),
        times.len() as f64 / wall,
        ms(pct(0.50)),
        ms(pct(0.95)),
        ms(pct(0.99))
    );
}

/// Sends one request and reads the whole response; the status, or None if the connection broke.
fn request(conn: &mut BufReader<TcpStream>, req: &str) -> Option<u16> {
    conn.get_mut().write_all(req.as_bytes()).ok()?;
    let mut line = String::new();
    conn.read_line(&mut line).ok()?;
    let status = line.split(' ').nth(1)?.parse().ok()?;
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        line.clear();
        conn.read_line(&mut line).ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    if chunked {
        loop {
            line.clear();
            conn.read_line(&mut line).ok()?;
            let size = usize::from_str_radix(line.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            conn.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
        }
    } else {
        let mut body = vec![0; length];
        conn.read_exact(&mut body).ok()?;
    }
    Some(status)
}
