//! Session leases with fencing tokens: a node runs a session's browser only while it holds the
//! session's lease. Each acquisition takes a new token from the session's counter, and the
//! lease's value is `<node>:<token>`, so renewals and releases are checked against the exact
//! holding (a node restarted under the same NODE_ID cannot renew its former self's lease).

use std::time::Duration;

use super::store::{Store, keys};

/// KEYS lease, fence, released; ARGV node, ttl ms. Answers {0} when held by someone, else
/// {1 or 2, value}: 2 when the last holder released it cleanly (its browser is closed).
const ACQUIRE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, ''} end
local value = ARGV[1] .. ':' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return {1 + redis.call('DEL', KEYS[3]), value}
";

/// KEYS lease, released, sessions; ARGV value, ttl ms, id. 1: extended. 2: the key was gone
/// without a clean release (Redis lost its data): taken back. 0: lost to another holding.
const RENEW: &str = r"
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[3])
  return 1
end
if not v and redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[3])
  return 2
end
return 0
";

/// KEYS lease, released, sessions; ARGV value, forget (1/0), id. Deletes our lease, marks the
/// release clean, and with forget takes the session off the list of those that should run.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '1')
end
if ARGV[2] == '1' then redis.call('SREM', KEYS[3], ARGV[3]) end
return 1
";

/// The outcome of an acquisition.
#[derive(Debug, PartialEq)]
pub enum Acquired {
    /// Another node holds it.
    Taken,
    /// Ours; `clean` when the previous holder released it after closing its browser.
    Ours { value: String, clean: bool },
}

/// The outcome of a renewal.
#[derive(Debug, PartialEq)]
pub enum Renewal {
    Extended,
    /// The key had vanished without a release (a Redis restart without persistence): set again.
    Reasserted,
    Lost,
}

/// A TTL as a script argument (milliseconds).
pub(super) fn ms(d: Duration) -> String {
    d.as_millis().to_string()
}

/// The node id in a lease value `<node>:<token>`.
pub fn holder(value: &str) -> &str {
    value.split_once(':').map_or(value, |(node, _)| node)
}

impl Store {
    pub async fn acquire(&self, id: &str, node: &str, ttl: Duration) -> Result<Acquired, String> {
        let (code, value): (u8, String) = self
            .run(
                "acquire",
                ACQUIRE,
                &[keys::lease(id), keys::fence(id), keys::released(id)],
                &[node.to_owned(), ms(ttl)],
            )
            .await?;
        Ok(match code {
            0 => Acquired::Taken,
            code => Acquired::Ours {
                value,
                clean: code == 2,
            },
        })
    }

    pub async fn renew(&self, id: &str, value: &str, ttl: Duration) -> Result<Renewal, String> {
        let code: u8 = self
            .run(
                "renew",
                RENEW,
                &[
                    keys::lease(id),
                    keys::released(id),
                    keys::SESSIONS.to_owned(),
                ],
                &[value.to_owned(), ms(ttl), id.to_owned()],
            )
            .await?;
        Ok(match code {
            1 => Renewal::Extended,
            2 => Renewal::Reasserted,
            _ => Renewal::Lost,
        })
    }

    /// Releases our holding (after the browser is closed); `forget` also drops the session from
    /// the sessions that should run (a stop or terminate, not a handoff).
    pub async fn release(&self, id: &str, value: &str, forget: bool) -> Result<(), String> {
        let forget = if forget { "1" } else { "0" };
        self.run::<i64>(
            "release",
            RELEASE,
            &[
                keys::lease(id),
                keys::released(id),
                keys::SESSIONS.to_owned(),
            ],
            &[value.to_owned(), forget.to_owned(), id.to_owned()],
        )
        .await
        .map(|_| ())
    }

    /// The node holding the session's lease, if any.
    pub async fn owner(&self, id: &str) -> Result<Option<String>, String> {
        let mut conn = self.conn.clone();
        let value: Option<String> = self
            .call(
                "get lease",
                redis::cmd("GET")
                    .arg(keys::lease(id))
                    .query_async(&mut conn),
            )
            .await?;
        Ok(value.map(|v| holder(&v).to_owned()))
    }

    /// The holders of many sessions' leases at once, in order.
    pub async fn owners(&self, ids: &[String]) -> Result<Vec<Option<String>>, String> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn.clone();
        let mut cmd = redis::cmd("MGET");
        for id in ids {
            cmd.arg(keys::lease(id));
        }
        let values: Vec<Option<String>> =
            self.call("get leases", cmd.query_async(&mut conn)).await?;
        Ok(values
            .into_iter()
            .map(|v| v.map(|v| holder(&v).to_owned()))
            .collect())
    }

    /// Sessions that should be running somewhere.
    pub async fn wanted(&self) -> Result<Vec<String>, String> {
        let mut conn = self.conn.clone();
        let mut ids: Vec<String> = self
            .call(
                "list sessions",
                redis::cmd("SMEMBERS")
                    .arg(keys::SESSIONS)
                    .query_async(&mut conn),
            )
            .await?;
        ids.sort();
        Ok(ids)
    }

    pub async fn want(&self, ids: &[String]) -> Result<(), String> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn.clone();
        self.call(
            "add sessions",
            redis::cmd("SADD")
                .arg(keys::SESSIONS)
                .arg(ids)
                .query_async::<i64>(&mut conn),
        )
        .await
        .map(|_| ())
    }

    pub async fn unwant(&self, id: &str) -> Result<(), String> {
        let mut conn = self.conn.clone();
        self.call(
            "remove session",
            redis::cmd("SREM")
                .arg(keys::SESSIONS)
                .arg(id)
                .query_async::<i64>(&mut conn),
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_holder_is_the_node_part_of_the_value() {
        assert_eq!(super::holder("gw-1:17"), "gw-1");
        assert_eq!(super::holder("gw-1"), "gw-1");
    }
}
