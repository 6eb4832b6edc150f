//! Whole objects in and out of the object store, with the retry a cluster
//! that is electing a leader needs.

use crate::connect::{Fleet, retry};
use tokio::io::AsyncReadExt;

impl Fleet {
    pub async fn put_object(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        retry(&format!("store {name}"), || async {
            let mut reader = bytes;
            self.objects.put(name, &mut reader).await
        })
        .await
        .map(drop)
    }

    pub async fn get_object(&self, name: &str) -> Result<Vec<u8>, String> {
        retry(&format!("fetch {name}"), || async {
            let mut object = self.objects.get(name).await.map_err(|e| e.to_string())?;
            let mut bytes = Vec::new();
            object
                .read_to_end(&mut bytes)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(bytes)
        })
        .await
    }

    /// Whether `name` is stored (content-addressed objects are stored once).
    pub async fn has_object(&self, name: &str) -> bool {
        self.objects.info(name).await.is_ok_and(|i| !i.deleted)
    }
}
