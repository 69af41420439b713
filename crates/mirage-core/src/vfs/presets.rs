//! Endpoints of S3-compatible services, derived the way `@struktoai/mirage-node` derives them,
//! but from validated parts so a crafted region or account cannot change the host.

/// The parts a preset may use.
#[derive(Clone, Debug, Default)]
pub struct PresetInput {
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub account_id: Option<String>,
    pub namespace: Option<String>,
    pub force_path_style: Option<bool>,
}

/// What a preset resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetEndpoint {
    pub endpoint: String,
    pub region: String,
    pub force_path_style: bool,
}

/// A host label: lowercase letters, digits and `-`, 1 to 63 characters.
fn label(what: &str, v: &str) -> Result<String, String> {
    let ok = !v.is_empty() && v.len() <= 63 && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!("invalid {what} '{v}': expected lowercase letters, digits and '-'"))
    }
}

fn need<'a>(what: &str, kind: &str, v: &'a Option<String>) -> Result<&'a str, String> {
    v.as_deref().ok_or_else(|| format!("{kind} requires {what}"))
}

/// Resolve a preset's endpoint. `kind` is the resource kind (`r2`, `wasabi`, ...).
pub fn resolve(kind: &str, input: &PresetInput) -> Result<PresetEndpoint, String> {
    let region_or = |d: &str| -> Result<String, String> {
        match &input.region {
            Some(r) => label("region", r),
            None => Ok(d.to_string()),
        }
    };
    // An explicit endpoint always wins; path-style then defaults to true for self-hosted stores.
    if let Some(e) = &input.endpoint {
        let (default_region, default_path) = match kind {
            "r2" | "gcs" => ("auto", false),
            "minio" | "seaweedfs" | "ceph" => ("us-east-1", true),
            _ => ("us-east-1", false),
        };
        return Ok(PresetEndpoint {
            endpoint: e.clone(),
            region: region_or(default_region)?,
            force_path_style: input.force_path_style.unwrap_or(default_path),
        });
    }
    let path_style = input.force_path_style.unwrap_or(false);
    let (endpoint, region) = match kind {
        "r2" => {
            let acct = label("accountId", need("accountId or endpoint", "R2Config", &input.account_id)?)?;
            (format!("https://{acct}.r2.cloudflarestorage.com"), region_or("auto")?)
        }
        "wasabi" => match &input.region {
            Some(r) => {
                let r = label("region", r)?;
                (format!("https://s3.{r}.wasabisys.com"), r)
            }
            None => ("https://s3.wasabisys.com".to_string(), "us-east-1".to_string()),
        },
        "gcs" => ("https://storage.googleapis.com".to_string(), region_or("auto")?),
        "digitalocean" => {
            let r = label("region", need("region", "DigitalOceanConfig", &input.region)?)?;
            (format!("https://{r}.digitaloceanspaces.com"), r)
        }
        "oci" => {
            let ns = label("namespace", need("namespace", "OCIConfig", &input.namespace)?)?;
            let r = label("region", need("region", "OCIConfig", &input.region)?)?;
            (format!("https://{ns}.compat.objectstorage.{r}.oci.customer-oci.com"), r)
        }
        "tencent" => {
            let r = label("region", need("region", "TencentConfig", &input.region)?)?;
            (format!("https://cos.{r}.myqcloud.com"), r)
        }
        "aliyun" => {
            let r = label("region", need("region", "AliyunConfig", &input.region)?)?;
            (format!("https://s3.oss-{r}.aliyuncs.com"), r)
        }
        "scaleway" => {
            let r = label("region", need("region", "ScalewayConfig", &input.region)?)?;
            (format!("https://s3.{r}.scw.cloud"), r)
        }
        "qingstor" => {
            let r = label("region", need("region", "QingStorConfig", &input.region)?)?;
            (format!("https://s3.{r}.qingstor.com"), r)
        }
        "minio" | "seaweedfs" | "ceph" => return Err(format!("{kind}: endpoint is required")),
        other => return Err(format!("unknown preset {other}")),
    };
    Ok(PresetEndpoint { endpoint, region, force_path_style: path_style })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(kind: &str, i: PresetInput) -> Result<String, String> {
        resolve(kind, &i).map(|p| p.endpoint)
    }

    fn region(r: &str) -> PresetInput {
        PresetInput { region: Some(r.into()), ..Default::default() }
    }

    #[test]
    fn derives_endpoints_like_the_reference() {
        let acct = PresetInput { account_id: Some("acct123".into()), ..Default::default() };
        assert_eq!(ep("r2", acct).unwrap(), "https://acct123.r2.cloudflarestorage.com");
        assert!(ep("r2", PresetInput::default()).unwrap_err().contains("accountId"));
        assert_eq!(ep("wasabi", PresetInput::default()).unwrap(), "https://s3.wasabisys.com");
        assert_eq!(ep("wasabi", region("eu-west-2")).unwrap(), "https://s3.eu-west-2.wasabisys.com");
        assert_eq!(ep("digitalocean", region("nyc3")).unwrap(), "https://nyc3.digitaloceanspaces.com");
        assert_eq!(ep("gcs", PresetInput::default()).unwrap(), "https://storage.googleapis.com");
        let oci = PresetInput { namespace: Some("ns".into()), region: Some("us-ashburn-1".into()), ..Default::default() };
        assert_eq!(ep("oci", oci).unwrap(), "https://ns.compat.objectstorage.us-ashburn-1.oci.customer-oci.com");
        assert_eq!(ep("tencent", region("ap-beijing")).unwrap(), "https://cos.ap-beijing.myqcloud.com");
        assert_eq!(ep("aliyun", region("cn-hangzhou")).unwrap(), "https://s3.oss-cn-hangzhou.aliyuncs.com");
        assert_eq!(ep("scaleway", region("fr-par")).unwrap(), "https://s3.fr-par.scw.cloud");
        assert_eq!(ep("qingstor", region("pek3b")).unwrap(), "https://s3.pek3b.qingstor.com");
        let minio = PresetInput { endpoint: Some("http://127.0.0.1:9000".into()), ..Default::default() };
        assert_eq!(resolve("minio", &minio).unwrap(), PresetEndpoint { endpoint: "http://127.0.0.1:9000".into(), region: "us-east-1".into(), force_path_style: true });
    }

    #[test]
    fn a_crafted_region_cannot_change_the_host() {
        assert!(ep("digitalocean", region("x@127.0.0.1:8080/#")).is_err());
        assert!(ep("wasabi", region("evil.example/x?")).is_err());
        let acct = PresetInput { account_id: Some("a.evil.com/".into()), ..Default::default() };
        assert!(ep("r2", acct).is_err());
    }
}
