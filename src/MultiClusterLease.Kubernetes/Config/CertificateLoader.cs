using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MultiClusterLease.Kubernetes.Config;

/// <summary>Reads certificates and keys as kubeconfig files and exec plugins give them (PEM, or DER for a single certificate).</summary>
internal static class CertificateLoader
{
    /// <summary>Reads one or more certificates.</summary>
    /// <param name="data">PEM text (any number of certificates) or one DER certificate.</param>
    /// <param name="origin">Where the data came from, for the error message.</param>
    /// <returns>The certificates.</returns>
    /// <exception cref="KubernetesConfigurationException">The data holds no certificate.</exception>
    public static X509Certificate2Collection LoadCertificates(byte[] data, string origin)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            var text = Encoding.UTF8.GetString(data);
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                collection.ImportFromPem(text);
            }
            else
            {
                collection.Add(X509CertificateLoader.LoadCertificate(data));
            }
        }
        catch (CryptographicException ex)
        {
            throw new KubernetesConfigurationException($"{origin}: not a PEM or DER certificate: {ex.Message}", ex);
        }

        if (collection.Count == 0)
        {
            throw new KubernetesConfigurationException($"{origin}: no certificate found in the PEM data.");
        }

        return collection;
    }

    /// <summary>Combines a PEM certificate and PEM private key (RSA or EC, PKCS#1, SEC1 or PKCS#8) into a client certificate.</summary>
    /// <param name="certificatePem">The certificate PEM text.</param>
    /// <param name="keyPem">The key PEM text.</param>
    /// <param name="origin">Where the data came from, for the error message.</param>
    /// <returns>The certificate with its private key.</returns>
    /// <exception cref="KubernetesConfigurationException">The PEM data is invalid or the key does not match.</exception>
    public static X509Certificate2 LoadClientCertificate(string certificatePem, string keyPem, string origin)
    {
        try
        {
            var certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            if (!OperatingSystem.IsWindows())
            {
                return certificate;
            }

            // SChannel cannot use an ephemeral key for TLS client authentication: round-trip through PKCS#12.
            using (certificate)
            {
                return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
            }
        }
        catch (CryptographicException ex)
        {
            throw new KubernetesConfigurationException($"{origin}: invalid client certificate or key: {ex.Message}", ex);
        }
    }
}
