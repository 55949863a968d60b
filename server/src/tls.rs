//! HTTPS: the rustls server configuration from the PEM files of
//! `--tls-cert` and `--tls-key`.

use crate::config::TlsFiles;
use anyhow::{Context, bail};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

/// Reads the certificate chain and key and checks that they belong together.
/// A missing file, a file with no certificate or key in it, or a key that is
/// not the certificate's is an error that names the file.
pub fn server_config(files: &TlsFiles) -> anyhow::Result<rustls::ServerConfig> {
    let cert_path = &files.cert;
    let key_path = &files.key;
    let pem =
        std::fs::read(cert_path).with_context(|| format!("reading the TLS certificate {}", cert_path.display()))?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("the TLS certificate {} is not valid PEM", cert_path.display()))?;
    if chain.is_empty() {
        bail!(
            "the TLS certificate {} holds no certificate (expected -----BEGIN CERTIFICATE-----)",
            cert_path.display()
        );
    }
    let pem = std::fs::read(key_path).with_context(|| format!("reading the TLS key {}", key_path.display()))?;
    let key = PrivateKeyDer::from_pem_slice(&pem).with_context(|| {
        format!(
            "the TLS key {} holds no private key in PEM (PKCS#8, PKCS#1 or SEC1)",
            key_path.display()
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .with_context(|| {
            format!(
                "the TLS key {} does not fit the certificate {} (or is of a kind rustls does not take)",
                key_path.display(),
                cert_path.display()
            )
        })
        .map(|mut config| {
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            config
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_self_signed_pair_loads_and_bad_files_say_which() {
        let dir = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let good = TlsFiles {
            cert: write(dir.path(), "cert.pem", &cert.cert.pem()),
            key: write(dir.path(), "key.pem", &cert.signing_key.serialize_pem()),
        };
        assert!(server_config(&good).is_ok());

        let missing = TlsFiles {
            cert: dir.path().join("nope.pem"),
            ..good.clone()
        };
        let e = format!("{:#}", server_config(&missing).unwrap_err());
        assert!(
            e.contains("reading the TLS certificate") && e.contains("nope.pem"),
            "{e}"
        );

        let empty = TlsFiles {
            cert: write(dir.path(), "empty.pem", "not a certificate\n"),
            ..good.clone()
        };
        let e = format!("{:#}", server_config(&empty).unwrap_err());
        assert!(e.contains("holds no certificate"), "{e}");

        let no_key = TlsFiles {
            key: good.cert.clone(),
            ..good.clone()
        };
        let e = format!("{:#}", server_config(&no_key).unwrap_err());
        assert!(e.contains("holds no private key"), "{e}");

        let wrong = TlsFiles {
            key: write(dir.path(), "other.pem", &other.signing_key.serialize_pem()),
            ..good
        };
        let e = format!("{:#}", server_config(&wrong).unwrap_err());
        assert!(e.contains("does not fit"), "{e}");
    }
}
