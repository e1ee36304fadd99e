//! Per-task delivery marks (`q:run:{task}`), written in batches.
//!
//! Every delivery reads and bumps its mark before the handler runs and sets `done` once
//! the outcome is recorded: two writes per job that must reach Redis before the caller
//! goes on. One script call per mark would double the round trips of a no-op job, so
//! concurrent marks of a process share one call: a single task sends whatever marks are
//! waiting as one script, and the marks that arrive while it is in flight go in the
//! next one. A lone mark still goes out at once; under load a call carries many.
//! Each caller waits for its own mark's reply, so nothing is acknowledged to it before
//! Redis has it.

use std::sync::{Arc, LazyLock, OnceLock};

use redis::aio::ConnectionManager;
use tokio::sync::{mpsc, oneshot};

use crate::backend::{Delivery, MARK_TTL};
use crate::client::QueueError;

/// The most marks one script call carries: keeps each call's time on the server short.
const BATCH: usize = 256;

/// Applies each mark of KEYS in one call. ARGV[1]: the marks' TTL (s); ARGV[i + 1]: "b"
/// to begin a delivery of KEYS[i] (count it, report whether its outcome is recorded),
/// "f" to record its outcome. Either sets the mark's TTL afresh (a finish used to leave
/// it as the begin set it). Returns two numbers per key: deliveries and done (0 and 0
/// for "f"), or -1 and -1 for a key whose mark failed (a key of another type): only
/// that key's caller gets the error.
static MARKS: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"local ttl = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local ok, n, done = pcall(function()
    local n, done = 0, 0
    if ARGV[i + 1] == "b" then
      n = redis.call("hincrby", key, "n", 1)
      done = redis.call("hexists", key, "done")
    else
      redis.call("hset", key, "done", 1)
    end
    redis.call("expire", key, ttl)
    return n, done
  end)
  if ok then
    out[#out + 1] = n
    out[#out + 1] = done
  else
    out[#out + 1] = -1
    out[#out + 1] = -1
  end
end
return out
"#,
    )
});

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Begin,
    Finish,
}

struct Request {
    key: String,
    op: Op,
    reply: oneshot::Sender<Result<Delivery, redis::RedisError>>,
}

/// The sending side of a process's mark writer. The writer task starts with the first
/// mark, on the caller's runtime (where the connection lives too). Clones share it.
#[derive(Clone, Default)]
pub(super) struct MarkWriter {
    sender: Arc<OnceLock<mpsc::UnboundedSender<Request>>>,
}

impl MarkWriter {
    /// Counts a delivery of the task whose mark is `key`.
    pub(super) async fn begin(&self, conn: &ConnectionManager, key: String) -> Result<Delivery, QueueError> {
        self.send(conn, key, Op::Begin).await
    }

    /// Records the outcome of the task whose mark is `key`.
    pub(super) async fn finish(&self, conn: &ConnectionManager, key: String) -> Result<(), QueueError> {
        self.send(conn, key, Op::Finish).await.map(|_| ())
    }

    async fn send(&self, conn: &ConnectionManager, key: String, op: Op) -> Result<Delivery, QueueError> {
        let (reply, answer) = oneshot::channel();
        let request = Request { key, op, reply };
        let sender = self.sender.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(write_marks(conn.clone(), rx));
            tx
        });
        sender.send(request).map_err(|_| stopped())?;
        Ok(answer.await.map_err(|_| stopped())??)
    }
}

/// The writer task: one script call per batch of waiting marks, until every sender is gone.
async fn write_marks(mut conn: ConnectionManager, mut requests: mpsc::UnboundedReceiver<Request>) {
    let mut batch = Vec::with_capacity(BATCH);
    while requests.recv_many(&mut batch, BATCH).await > 0 {
        let mut call = MARKS.prepare_invoke();
        call.arg(MARK_TTL.as_secs());
        for request in &batch {
            call.key(&request.key);
            call.arg(if request.op == Op::Begin { "b" } else { "f" });
        }
        match call.invoke_async::<Vec<i64>>(&mut conn).await {
            Ok(flat) if flat.len() == 2 * batch.len() => {
                for (request, pair) in batch.drain(..).zip(flat.chunks_exact(2)) {
                    let answer = match u32::try_from(pair[0]) {
                        Ok(deliveries) => Ok(Delivery { deliveries, finished: pair[1] != 0 }),
                        Err(_) => Err(redis::RedisError::from((
                            redis::ErrorKind::Client,
                            "delivery mark failed",
                            request.key.clone(),
                        ))),
                    };
                    // A caller that went away needs no answer.
                    let _ = request.reply.send(answer);
                }
            }
            Ok(flat) => {
                let error = redis::RedisError::from((
                    redis::ErrorKind::Parse,
                    "delivery marks: unexpected reply length",
                    format!("{} numbers for {} marks", flat.len(), batch.len()),
                ));
                for request in batch.drain(..) {
                    let _ = request.reply.send(Err(error.clone()));
                }
            }
            Err(error) => {
                for request in batch.drain(..) {
                    let _ = request.reply.send(Err(error.clone()));
                }
            }
        }
    }
}

fn stopped() -> QueueError {
    QueueError::Redis(redis::RedisError::from((
        redis::ErrorKind::Io,
        "delivery marks: the writer task stopped before answering",
    )))
}
