using System.Security.Cryptography;
using System.Text;

namespace Crm.Host.Marketplace;

/// <summary>A package's <c>signature.json</c>: who signed which content, and the signature (ECDSA P-256, SHA-256, IEEE P1363 form).</summary>
public sealed record PackageSignature(string Publisher, string KeyId, string ContentHash, string Signature);

/// <summary>
/// Publishers' keys: ECDSA on P-256 from the BCL. The public key travels as base64 of its
/// SubjectPublicKeyInfo (what an admin pastes into <c>trustPublisher</c>), the private key as a
/// PKCS#8 PEM file that never leaves the publisher.
/// </summary>
public static class PublisherKeys
{
    private const string SignedPrefix = "crmplugin-v1\n";

    /// <summary>A new key pair: the private key as PEM, the public key as base64.</summary>
    public static (string PrivateKeyPem, string PublicKey) Generate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key.ExportPkcs8PrivateKeyPem(), Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The public key of a private key in PEM.</summary>
    public static string PublicKeyOf(string privateKeyPem)
    {
        using var key = ImportPrivate(privateKeyPem);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>A short, stable name of a public key (the first 16 hex digits of its SHA-256), to tell keys apart.</summary>
    public static string Fingerprint(string publicKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Convert.FromBase64String(publicKey)))[..16];

    /// <summary>Null when the text is a P-256 public key in base64; else why not.</summary>
    public static string? Problem(string? publicKey)
    {
        if (string.IsNullOrWhiteSpace(publicKey) || publicKey.Length > PackageLimits.MaxPublicKeyLength)
        {
            return $"a public key is the base64 of an ECDSA P-256 SubjectPublicKeyInfo, at most {PackageLimits.MaxPublicKeyLength} characters ('crm plugin keygen' prints one)";
        }

        try
        {
            using var key = ImportPublic(publicKey);
            return null;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException or PackageException)
        {
            return "the public key cannot be read as an ECDSA P-256 key in base64 ('crm plugin keygen' prints one)";
        }
    }

    public static PackageSignature Sign(string privateKeyPem, string publisher, string contentHash)
    {
        using var key = ImportPrivate(privateKeyPem);
        var signature = key.SignData(SignedBytes(publisher, contentHash), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var publicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
        return new PackageSignature(publisher, Fingerprint(publicKey), contentHash, Convert.ToBase64String(signature));
    }

    /// <summary>Whether the signature is the key's over this publisher and content hash.</summary>
    public static bool Verify(string publicKey, PackageSignature signature)
    {
        try
        {
            using var key = ImportPublic(publicKey);
            return key.VerifyData(SignedBytes(signature.Publisher, signature.ContentHash), Convert.FromBase64String(signature.Signature),
                HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return false;
        }
    }

    // The publisher is signed with the hash: a signature cannot be passed off as another publisher's.
    private static byte[] SignedBytes(string publisher, string contentHash) => Encoding.UTF8.GetBytes(SignedPrefix + publisher + "\n" + contentHash);

    private static ECDsa ImportPrivate(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            RequireP256(key);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static ECDsa ImportPublic(string publicKey)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(publicKey.Trim()), out _);
            RequireP256(key);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static void RequireP256(ECDsa key)
    {
        if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            throw new PackageException("the key is not an ECDSA P-256 key");
        }
    }
}
