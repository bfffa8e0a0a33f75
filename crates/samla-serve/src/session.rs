//! Sessions, CSRF tokens and the login throttle, in memory.
//!
//! A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie (Secure
//! under TLS); it ends after eight hours or at sign-out. Every form that changes anything
//! carries the session's CSRF token. Five failed logins for a name, or twenty from an
//! address, lock that name or address out for five minutes.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// Failed logins for one name before a lockout.
pub const MAX_FAILURES: u32 = 5;
/// Failed logins from one address before a lockout (higher: a proxy is one address for many).
pub const MAX_FAILURES_FROM: u32 = 20;
/// How long a lockout lasts.
pub const LOCKOUT: Duration = Duration::from_secs(300);

/// A signed-in user's session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub user: String,
    /// The token forms must carry.
    pub csrf: String,
    /// Units (rows) opened whole after giving a purpose, with the purpose.
    pub purposes: HashMap<i64, String>,
    started: Instant,
}

/// A random token, 32 bytes as hex.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares tokens in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Default)]
struct Failures {
    count: u32,
    until: Option<Instant>,
}

/// All sessions and login failures.
#[derive(Default)]
pub struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<String, Failures>>,
    pre_login: Mutex<HashSet<String>>,
}

impl Sessions {
    /// Starts a session for `user` and returns its token.
    pub fn start(&self, user: &str) -> String {
        let id = token();
        let session =
            Session { user: user.to_string(), csrf: token(), purposes: HashMap::new(), started: Instant::now() };
        let mut all = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|_, s| s.started.elapsed() < SESSION_TTL);
        all.insert(id.clone(), session);
        id
    }

    /// The session of token `id`, if it is live.
    pub fn get(&self, id: &str) -> Option<Session> {
        let all = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        all.get(id).filter(|s| s.started.elapsed() < SESSION_TTL).cloned()
    }

    /// Records a purpose for a unit in session `id`.
    pub fn add_purpose(&self, id: &str, unit: i64, purpose: &str) {
        if let Some(s) = self.sessions.lock().unwrap_or_else(|e| e.into_inner()).get_mut(id) {
            s.purposes.insert(unit, purpose.to_string());
        }
    }

    /// Ends session `id`.
    pub fn end(&self, id: &str) {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
    }

    /// A token for the login form (its CSRF token before there is a session).
    pub fn pre_login(&self) -> String {
        let t = token();
        let mut all = self.pre_login.lock().unwrap_or_else(|e| e.into_inner());
        if all.len() > 100_000 {
            all.clear();
        }
        all.insert(t.clone());
        t
    }

    /// Uses up a login form token.
    pub fn take_pre_login(&self, t: &str) -> bool {
        self.pre_login.lock().unwrap_or_else(|e| e.into_inner()).remove(t)
    }

    /// Whether logins for `user` or from `ip` are locked out now.
    pub fn locked(&self, user: &str, ip: IpAddr) -> bool {
        let now = Instant::now();
        let all = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        [format!("user:{user}"), format!("ip:{ip}")]
            .iter()
            .any(|k| all.get(k).and_then(|f| f.until).is_some_and(|u| u > now))
    }

    /// Counts a failed login; returns whether it started a lockout.
    pub fn failed(&self, user: &str, ip: IpAddr) -> bool {
        let mut all = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut locked = false;
        for (k, max) in [(format!("user:{user}"), MAX_FAILURES), (format!("ip:{ip}"), MAX_FAILURES_FROM)] {
            let f = all.entry(k).or_default();
            if f.until.is_some_and(|u| u <= Instant::now()) {
                *f = Failures::default();
            }
            f.count += 1;
            if f.count >= max && f.until.is_none() {
                f.until = Some(Instant::now() + LOCKOUT);
                locked = true;
            }
        }
        locked
    }

    /// Forgets the failures of `user` after a successful login.
    pub fn succeeded(&self, user: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(&format!("user:{user}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_the_name_and_then_the_address() {
        let s = Sessions::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..4 {
            assert!(!s.failed("kari", ip));
        }
        assert!(!s.locked("kari", ip));
        assert!(s.failed("kari", ip));
        assert!(s.locked("kari", ip));
        assert!(!s.locked("ola", ip), "one name's failures do not lock the others out");
        for i in 0..15 {
            s.failed(&format!("u{i}"), ip);
        }
        assert!(s.locked("ola", ip), "twenty failures from one address lock it");
    }

    #[test]
    fn sessions_and_tokens() {
        let s = Sessions::default();
        let id = s.start("kari");
        assert_eq!(id.len(), 64);
        assert_eq!(s.get(&id).unwrap().user, "kari");
        s.add_purpose(&id, 7, "sak om tilsyn");
        assert_eq!(s.get(&id).unwrap().purposes[&7], "sak om tilsyn");
        s.end(&id);
        assert!(s.get(&id).is_none());
        let t = s.pre_login();
        assert!(s.take_pre_login(&t) && !s.take_pre_login(&t));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
