//! Polling until a check passes, for integration tests that wait on a real hub.

use std::time::Duration;

use tokio::time::Instant;

/// What a check's failed call returns (retried, like "not yet").
pub type CheckError = Box<dyn std::error::Error + Send + Sync>;

/// How often a check is repeated.
const INTERVAL: Duration = Duration::from_millis(300);

/// A check did not pass in time: what was awaited and what was last seen.
#[derive(Debug, thiserror::Error)]
#[error("timed out after {timeout:?} waiting for {what}; last seen: {last}")]
pub struct TimedOut {
    /// What was awaited.
    pub what: String,
    /// How long.
    pub timeout: Duration,
    /// The last check's observation or error.
    pub last: String,
}

/// Repeats `check` until it returns `Ok(Ok(value))`, or `timeout` passes.
///
/// `Ok(Err(observed))` means "not yet" and says what was seen; `Err(e)` (a failed call) is
/// retried too. Both become [`TimedOut::last`] when time runs out.
pub async fn eventually<T, F, Fut>(
    what: &str,
    timeout: Duration,
    mut check: F,
) -> Result<T, TimedOut>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Result<T, String>, CheckError>>,
{
    let start = Instant::now();
    loop {
        let last = match check().await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(observed)) => observed,
            Err(e) => format!("error: {e}"),
        };
        if start.elapsed() >= timeout {
            return Err(TimedOut {
                what: what.to_owned(),
                timeout,
                last,
            });
        }
        tokio::time::sleep(INTERVAL).await;
    }
}

/// [`eventually`] for a check that returns `Ok(Some(value))` when done and `Ok(None)` when not
/// yet.
pub async fn eventually_some<T, F, Fut>(
    what: &str,
    timeout: Duration,
    mut check: F,
) -> Result<T, TimedOut>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, CheckError>>,
{
    eventually(what, timeout, || {
        let next = check();
        async move { next.await.map(|v| v.ok_or_else(|| "not yet".to_owned())) }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn returns_the_value_once_the_check_passes() {
        let mut n = 0;
        let v = eventually("three calls", Duration::from_secs(5), || {
            n += 1;
            let seen = n;
            async move {
                match seen {
                    1 => Err("refused".into()),
                    2 => Ok(Err(format!("seen {seen}"))),
                    _ => Ok(Ok(seen)),
                }
            }
        })
        .await;
        assert_eq!(v.unwrap(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_with_the_last_observation() {
        let e = eventually_some::<(), _, _>("never", Duration::from_secs(2), || async { Ok(None) })
            .await
            .unwrap_err();
        assert_eq!(e.what, "never");
        assert_eq!(e.last, "not yet");
        assert!(
            e.to_string()
                .starts_with("timed out after 2s waiting for never")
        );
    }
}
