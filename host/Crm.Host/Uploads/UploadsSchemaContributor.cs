using System.Globalization;
using Crm.Host.GraphQL;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Uploads;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Crm.Host.Uploads;

/// <summary>
/// The <c>Upload</c> scalar (a file part of a GraphQL multipart request) and <c>uploadFile(file:)</c>,
/// which answers the stored file's id for <c>previewImport</c>, <c>startImport</c> and the like.
/// </summary>
internal sealed class UploadsSchemaContributor : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var file = new ObjectGraphType { Name = "UploadedFile", Description = "A file you uploaded, kept for you alone until 'expiresAt' (Uploads:Retention)." };
        file.AddField(SharedGraphTypes.Field<UploadedFile>("id", typeof(NonNullGraphType<IdGraphType>), f => f.Id.ToString(CultureInfo.InvariantCulture), "What an import's 'fileId' takes."));
        file.AddField(SharedGraphTypes.Field<UploadedFile>("fileName", typeof(NonNullGraphType<StringGraphType>), f => f.FileName));
        file.AddField(SharedGraphTypes.Field<UploadedFile>("contentType", typeof(StringGraphType), f => f.ContentType));
        file.AddField(SharedGraphTypes.Field<UploadedFile>("length", typeof(NonNullGraphType<LongGraphType>), f => f.Length, "Its size in bytes."));
        file.AddField(SharedGraphTypes.Field<UploadedFile>("expiresAt", typeof(NonNullGraphType<DateTimeGraphType>), f => f.ExpiresAt));

        composer.Mutation.AddField(new FieldType
        {
            Name = "uploadFile",
            Description = "Stores a file sent by the GraphQL multipart request convention (operations, map, then the file parts, as Apollo's upload link and urql send it) "
                + "and answers its id. The file is stored while the request arrives, before this runs; at most Uploads:MaxFileBytes. "
                + "POST /uploads does the same without GraphQL.",
            ResolvedType = new NonNullGraphType(file),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(new UploadGraphType())) { Name = "file" }),
            Resolver = new FuncFieldResolver<object?>(c => ((UploadReference)c.GetArgument<object>("file")).File),
        });
    }
}

/// <summary>A file part of a GraphQL multipart request; only a part can give one (not a literal, not JSON).</summary>
internal sealed class UploadGraphType : ScalarGraphType
{
    public UploadGraphType()
    {
        Name = "Upload";
        Description = "A file sent as a part of a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec); give its variable null and name it in 'map'.";
    }

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        UploadReference reference => reference,
        _ => ThrowValueConversionError(value),
    };

    public override object? ParseLiteral(GraphQLValue value) => value is GraphQLNullValue ? null : ThrowLiteralConversionError(value, "A file comes as a part of a multipart request, named in its 'map'.");

    public override object? Serialize(object? value) => value is UploadReference reference ? reference.File.Id.ToString(CultureInfo.InvariantCulture) : null;
}
