//! Reaching the cluster: the connection with this machine's credentials
//! (token or a NATS credentials file, TLS), and the stream, bucket and
//! object store, made on first use with the configured replicas.

use crate::names::{self, Names};
use async_nats::jetstream::{self, kv, object_store, stream};
use std::future::Future;
use std::time::Duration;
use tandem_core::settings::NatsSettings;

/// A connection to the cluster and its three stores.
#[derive(Clone)]
pub struct Fleet {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    pub names: Names,
    pub kv: kv::Store,
    pub objects: object_store::ObjectStore,
    pub stream: stream::Stream,
}

impl Fleet {
    /// Connect with `settings` (this machine's `[tasks.nats]`) and open, or
    /// make, the stream, bucket and object store.
    pub async fn connect(settings: &NatsSettings, name: &str) -> Result<Fleet, String> {
        let client = client(settings, name).await?;
        let js = jetstream::new(client.clone());
        let names = Names::of(settings);
        let replicas = settings.replicas.unwrap_or(1);
        let stream = retry("open the task stream", || {
            js.get_or_create_stream(stream::Config {
                name: names.stream.clone(),
                subjects: vec![names.work_subjects()],
                retention: stream::RetentionPolicy::WorkQueue,
                storage: stream::StorageType::File,
                num_replicas: replicas,
                ..Default::default()
            })
        })
        .await?;
        let kv = match js.get_key_value(&names.bucket).await {
            Ok(kv) => kv,
            Err(_) => {
                retry("make the task bucket", || {
                    js.get_or_create_stream(kv_stream(&names.bucket, replicas))
                })
                .await?;
                retry("open the task bucket", || js.get_key_value(&names.bucket)).await?
            }
        };
        let objects = match js.get_object_store(&names.objects).await {
            Ok(o) => o,
            Err(_) => {
                retry("make the object store", || {
                    js.get_or_create_stream(object_stream(&names.objects, replicas))
                })
                .await?;
                retry("open the object store", || {
                    js.get_object_store(&names.objects)
                })
                .await?
            }
        };
        Ok(Fleet {
            client,
            js,
            names,
            kv,
            objects,
            stream,
        })
    }

    /// The consumer all workers pull from. `ack_wait`: how long a task
    /// may go without an ack (or an in-progress ack) before JetStream
    /// hands it to another worker.
    pub async fn consumer(
        &self,
        ack_wait: Duration,
    ) -> Result<jetstream::consumer::Consumer<jetstream::consumer::pull::Config>, String> {
        let stream = self.stream.clone();
        retry("open the workers' consumer", || {
            stream.get_or_create_consumer(
                names::CONSUMER,
                jetstream::consumer::pull::Config {
                    durable_name: Some(names::CONSUMER.into()),
                    ack_policy: jetstream::consumer::AckPolicy::Explicit,
                    ack_wait,
                    // A task that kills every worker it reaches stops
                    // being handed out; its record says why it stalled.
                    max_deliver: 10,
                    ..Default::default()
                },
            )
        })
        .await
    }
}

// Both stores are made here, not by the client's helpers, for two reasons:
// `create_key_value` first reads the account info in a shape nats-server
// 2.9 does not send, and the helpers turn on direct gets, which a follower
// replica may answer with an older value: a worker taking over a task must
// read the newest checkpoint and record, so every read goes to the leader.

/// The stream behind KV bucket `bucket` (history 1).
fn kv_stream(bucket: &str, replicas: usize) -> stream::Config {
    stream::Config {
        name: format!("KV_{bucket}"),
        subjects: vec![format!("$KV.{bucket}.>")],
        max_messages_per_subject: 1,
        storage: stream::StorageType::File,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: false,
        discard: stream::DiscardPolicy::New,
        num_replicas: replicas,
        ..Default::default()
    }
}

/// The stream behind object store `bucket` (chunks and metadata).
fn object_stream(bucket: &str, replicas: usize) -> stream::Config {
    stream::Config {
        name: format!("OBJ_{bucket}"),
        subjects: vec![format!("$O.{bucket}.C.>"), format!("$O.{bucket}.M.>")],
        storage: stream::StorageType::File,
        allow_rollup: true,
        allow_direct: false,
        discard: stream::DiscardPolicy::New,
        num_replicas: replicas,
        ..Default::default()
    }
}

async fn client(settings: &NatsSettings, name: &str) -> Result<async_nats::Client, String> {
    if settings.servers.is_empty() {
        return Err("no NATS servers: set [tasks.nats] servers = [\"nats://host:4222\"]".into());
    }
    let addrs: Vec<async_nats::ServerAddr> = settings
        .servers
        .iter()
        .map(|s| {
            s.parse()
                .map_err(|e| format!("[tasks.nats] servers: `{s}` is not a server address: {e}"))
        })
        .collect::<Result<_, _>>()?;
    // `nats://user:password@host` as NATS tools take it (the client
    // itself does not read it from the address).
    let user = addrs
        .iter()
        .find(|a| a.has_user_pass())
        .and_then(|a| Some((a.username()?.to_string(), a.password()?.to_string())));
    let mut options = match (&settings.token, &settings.credentials) {
        (Some(_), Some(_)) => {
            return Err("[tasks.nats]: give a token or a credentials file, not both".into());
        }
        (None, None) if user.is_some() => {
            let (u, p) = user.expect("checked");
            async_nats::ConnectOptions::with_user_and_password(u, p)
        }
        (None, Some(path)) => async_nats::ConnectOptions::with_credentials_file(path.clone())
            .await
            .map_err(|e| format!("cannot read NATS credentials {}: {e}", path.display()))?,
        (Some(token), None) => async_nats::ConnectOptions::with_token(token.clone()),
        (None, None) => async_nats::ConnectOptions::new(),
    };
    let tls = &settings.tls;
    if tls.required {
        options = options.require_tls(true);
    }
    if let Some(ca) = &tls.ca {
        options = options.add_root_certificates(ca.clone());
    }
    match (&tls.cert, &tls.key) {
        (Some(cert), Some(key)) => {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
        (None, None) => {}
        _ => return Err("[tasks.nats.tls]: a client certificate needs both cert and key".into()),
    }
    options
        .name(name)
        .connection_timeout(Duration::from_secs(5))
        .request_timeout(Some(Duration::from_secs(5)))
        .max_reconnects(None)
        .connect(addrs)
        .await
        .map_err(|e| {
            let servers: Vec<String> = settings.servers.iter().map(|s| redact(s)).collect();
            format!("cannot reach NATS at {}: {e}", servers.join(", "))
        })
}

/// A server address without the user and password it may carry.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Retry a cluster call for a while: a server that stops (or a leader
/// election after it) fails calls for a few seconds, then the others answer.
pub async fn retry<T, E: std::fmt::Display, F: Future<Output = Result<T, E>>>(
    what: &str,
    mut call: impl FnMut() -> F,
) -> Result<T, String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut delay = Duration::from_millis(100);
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) if tokio::time::Instant::now() >= deadline => {
                return Err(format!("cannot {what}: {e}"));
            }
            Err(e) => {
                tracing::debug!("cannot {what} yet: {e}");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_never_show_the_password_of_a_server_address() {
        assert_eq!(
            super::redact("nats://bob:hunter2@10.0.0.1:4222"),
            "nats://…@10.0.0.1:4222"
        );
        assert_eq!(super::redact("tls://n1:4222"), "tls://n1:4222");
    }
}
