namespace Crm.Host.Currencies;

/// <summary>A currency as <c>currencies</c> lists it: its ISO 4217 code and its names.</summary>
public sealed record Currency(string Code, string English, string Polish);

/// <summary>
/// The ISO 4217 currencies in use (funds, precious metals, test codes and withdrawn codes left out),
/// named in English and Polish, the deployment's default first. Names are CLDR's (as ICU gives them);
/// the host runs with invariant globalization, so it carries them itself. A money value still takes
/// any three-letter code: this list is what front ends offer, not what writes accept.
/// </summary>
public sealed class CurrencyCatalog
{
    /// <summary>The setting naming the deployment's default currency.</summary>
    public const string DefaultSetting = "Currencies:Default";

    /// <summary>The default currency when the setting is absent: a deal's own default.</summary>
    public const string FallbackDefault = "USD";

    public CurrencyCatalog(string? defaultCode)
    {
        var code = string.IsNullOrWhiteSpace(defaultCode) ? FallbackDefault : defaultCode.Trim().ToUpperInvariant();
        Default = All.FirstOrDefault(c => c.Code == code)
            ?? throw new InvalidOperationException($"{DefaultSetting} is '{defaultCode}', which is not an ISO 4217 currency in use (such as EUR, PLN or USD).");
        Ordered = [Default, .. All.Where(c => c != Default)];
    }

    public Currency Default { get; }

    /// <summary>
    /// The default first, then the others by code. By code rather than by name: with invariant
    /// globalization the host cannot sort Polish names as Polish does (ł after z).
    /// </summary>
    public IReadOnlyList<Currency> Ordered { get; private init; } = [];

    /// <summary>Whether a language (en, pl, pl-PL ...) is Polish; any other is answered in English.</summary>
    public static bool IsPolish(string? language) =>
        language is not null && (language.Equals("pl", StringComparison.OrdinalIgnoreCase) || language.StartsWith("pl-", StringComparison.OrdinalIgnoreCase));

    /// <summary>156 codes: iso-codes' ISO 4217 list (2023) without funds, metals and test codes, without HRK, CUC, SLL, ANG and ZWL (withdrawn), with XCG and ZWG (their successors).</summary>
    public static IReadOnlyList<Currency> All { get; } =
    [
        new("AED", "United Arab Emirates Dirham", "dirham ZEA"),
        new("AFN", "Afghan Afghani", "afgani afgańskie"),
        new("ALL", "Albanian Lek", "lek albański"),
        new("AMD", "Armenian Dram", "dram armeński"),
        new("AOA", "Angolan Kwanza", "kwanza angolska"),
        new("ARS", "Argentine Peso", "peso argentyńskie"),
        new("AUD", "Australian Dollar", "dolar australijski"),
        new("AWG", "Aruban Florin", "florin arubański"),
        new("AZN", "Azerbaijani Manat", "manat azerski"),
        new("BAM", "Bosnia-Herzegovina Convertible Mark", "marka zamienna Bośni i Hercegowiny"),
        new("BBD", "Barbadian Dollar", "dolar barbadoski"),
        new("BDT", "Bangladeshi Taka", "taka bengalska"),
        new("BGN", "Bulgarian Lev", "lew bułgarski"),
        new("BHD", "Bahraini Dinar", "dinar bahrański"),
        new("BIF", "Burundian Franc", "frank burundyjski"),
        new("BMD", "Bermudan Dollar", "dolar bermudzki"),
        new("BND", "Brunei Dollar", "dolar brunejski"),
        new("BOB", "Bolivian Boliviano", "boliviano boliwijskie"),
        new("BRL", "Brazilian Real", "real brazylijski"),
        new("BSD", "Bahamian Dollar", "dolar bahamski"),
        new("BTN", "Bhutanese Ngultrum", "ngultrum bhutański"),
        new("BWP", "Botswanan Pula", "pula botswańska"),
        new("BYN", "Belarusian Ruble", "rubel białoruski"),
        new("BZD", "Belize Dollar", "dolar belizeński"),
        new("CAD", "Canadian Dollar", "dolar kanadyjski"),
        new("CDF", "Congolese Franc", "frank kongijski"),
        new("CHF", "Swiss Franc", "frank szwajcarski"),
        new("CLP", "Chilean Peso", "peso chilijskie"),
        new("CNY", "Chinese Yuan", "juan chiński"),
        new("COP", "Colombian Peso", "peso kolumbijskie"),
        new("CRC", "Costa Rican Colón", "colon kostarykański"),
        new("CUP", "Cuban Peso", "peso kubańskie"),
        new("CVE", "Cape Verdean Escudo", "escudo zielonoprzylądkowe"),
        new("CZK", "Czech Koruna", "korona czeska"),
        new("DJF", "Djiboutian Franc", "frank dżibutyjski"),
        new("DKK", "Danish Krone", "korona duńska"),
        new("DOP", "Dominican Peso", "peso dominikańskie"),
        new("DZD", "Algerian Dinar", "dinar algierski"),
        new("EGP", "Egyptian Pound", "funt egipski"),
        new("ERN", "Eritrean Nakfa", "nakfa erytrejska"),
        new("ETB", "Ethiopian Birr", "birr etiopski"),
        new("EUR", "Euro", "euro"),
        new("FJD", "Fijian Dollar", "dolar fidżyjski"),
        new("FKP", "Falkland Islands Pound", "funt falklandzki"),
        new("GBP", "British Pound", "funt szterling"),
        new("GEL", "Georgian Lari", "lari gruzińskie"),
        new("GHS", "Ghanaian Cedi", "cedi ghańskie"),
        new("GIP", "Gibraltar Pound", "funt gibraltarski"),
        new("GMD", "Gambian Dalasi", "dalasi gambijskie"),
        new("GNF", "Guinean Franc", "frank gwinejski"),
        new("GTQ", "Guatemalan Quetzal", "quetzal gwatemalski"),
        new("GYD", "Guyanaese Dollar", "dolar gujański"),
        new("HKD", "Hong Kong Dollar", "dolar hongkoński"),
        new("HNL", "Honduran Lempira", "lempira honduraska"),
        new("HTG", "Haitian Gourde", "gourde haitański"),
        new("HUF", "Hungarian Forint", "forint węgierski"),
        new("IDR", "Indonesian Rupiah", "rupia indonezyjska"),
        new("ILS", "Israeli New Shekel", "nowy szekel izraelski"),
        new("INR", "Indian Rupee", "rupia indyjska"),
        new("IQD", "Iraqi Dinar", "dinar iracki"),
        new("IRR", "Iranian Rial", "rial irański"),
        new("ISK", "Icelandic Króna", "korona islandzka"),
        new("JMD", "Jamaican Dollar", "dolar jamajski"),
        new("JOD", "Jordanian Dinar", "dinar jordański"),
        new("JPY", "Japanese Yen", "jen japoński"),
        new("KES", "Kenyan Shilling", "szyling kenijski"),
        new("KGS", "Kyrgyz Som", "som kirgiski"),
        new("KHR", "Cambodian Riel", "riel kambodżański"),
        new("KMF", "Comorian Franc", "frank komoryjski"),
        new("KPW", "North Korean Won", "won północnokoreański"),
        new("KRW", "South Korean Won", "won południowokoreański"),
        new("KWD", "Kuwaiti Dinar", "dinar kuwejcki"),
        new("KYD", "Cayman Islands Dollar", "dolar kajmański"),
        new("KZT", "Kazakhstani Tenge", "tenge kazachskie"),
        new("LAK", "Laotian Kip", "kip laotański"),
        new("LBP", "Lebanese Pound", "funt libański"),
        new("LKR", "Sri Lankan Rupee", "rupia lankijska"),
        new("LRD", "Liberian Dollar", "dolar liberyjski"),
        new("LSL", "Lesotho Loti", "loti sotyjskie"),
        new("LYD", "Libyan Dinar", "dinar libijski"),
        new("MAD", "Moroccan Dirham", "dirham marokański"),
        new("MDL", "Moldovan Leu", "lej mołdawski"),
        new("MGA", "Malagasy Ariary", "ariary malgaski"),
        new("MKD", "Macedonian Denar", "denar macedoński"),
        new("MMK", "Myanmar Kyat", "kiat birmański"),
        new("MNT", "Mongolian Tugrik", "tugrik mongolski"),
        new("MOP", "Macanese Pataca", "pataca Makau"),
        new("MRU", "Mauritanian Ouguiya", "ugija mauretańska"),
        new("MUR", "Mauritian Rupee", "rupia maurytyjska"),
        new("MVR", "Maldivian Rufiyaa", "rupia malediwska"),
        new("MWK", "Malawian Kwacha", "kwacha malawijska"),
        new("MXN", "Mexican Peso", "peso meksykańskie"),
        new("MYR", "Malaysian Ringgit", "ringgit malezyjski"),
        new("MZN", "Mozambican Metical", "metical mozambicki"),
        new("NAD", "Namibian Dollar", "dolar namibijski"),
        new("NGN", "Nigerian Naira", "naira nigeryjska"),
        new("NIO", "Nicaraguan Córdoba", "cordoba nikaraguańska"),
        new("NOK", "Norwegian Krone", "korona norweska"),
        new("NPR", "Nepalese Rupee", "rupia nepalska"),
        new("NZD", "New Zealand Dollar", "dolar nowozelandzki"),
        new("OMR", "Omani Rial", "rial omański"),
        new("PAB", "Panamanian Balboa", "balboa panamski"),
        new("PEN", "Peruvian Sol", "sol peruwiański"),
        new("PGK", "Papua New Guinean Kina", "kina papuańska"),
        new("PHP", "Philippine Peso", "peso filipińskie"),
        new("PKR", "Pakistani Rupee", "rupia pakistańska"),
        new("PLN", "Polish Zloty", "złoty polski"),
        new("PYG", "Paraguayan Guarani", "guarani paragwajskie"),
        new("QAR", "Qatari Riyal", "rial katarski"),
        new("RON", "Romanian Leu", "lej rumuński"),
        new("RSD", "Serbian Dinar", "dinar serbski"),
        new("RUB", "Russian Ruble", "rubel rosyjski"),
        new("RWF", "Rwandan Franc", "frank ruandyjski"),
        new("SAR", "Saudi Riyal", "rial saudyjski"),
        new("SBD", "Solomon Islands Dollar", "dolar Wysp Salomona"),
        new("SCR", "Seychellois Rupee", "rupia seszelska"),
        new("SDG", "Sudanese Pound", "funt sudański"),
        new("SEK", "Swedish Krona", "korona szwedzka"),
        new("SGD", "Singapore Dollar", "dolar singapurski"),
        new("SHP", "St. Helena Pound", "funt Świętej Heleny"),
        new("SLE", "Sierra Leonean Leone", "leone sierraleoński"),
        new("SOS", "Somali Shilling", "szyling somalijski"),
        new("SRD", "Surinamese Dollar", "dolar surinamski"),
        new("SSP", "South Sudanese Pound", "funt południowosudański"),
        new("STN", "São Tomé & Príncipe Dobra", "dobra Wysp Świętego Tomasza i Książęcej"),
        new("SVC", "Salvadoran Colón", "colon salwadorski"),
        new("SYP", "Syrian Pound", "funt syryjski"),
        new("SZL", "Swazi Lilangeni", "lilangeni Suazi"),
        new("THB", "Thai Baht", "baht tajski"),
        new("TJS", "Tajikistani Somoni", "somoni tadżyckie"),
        new("TMT", "Turkmenistani Manat", "manat turkmeński"),
        new("TND", "Tunisian Dinar", "dinar tunezyjski"),
        new("TOP", "Tongan Paʻanga", "pa’anga tongijska"),
        new("TRY", "Turkish Lira", "lira turecka"),
        new("TTD", "Trinidad & Tobago Dollar", "dolar trynidadzki"),
        new("TWD", "New Taiwan Dollar", "nowy dolar tajwański"),
        new("TZS", "Tanzanian Shilling", "szyling tanzański"),
        new("UAH", "Ukrainian Hryvnia", "hrywna ukraińska"),
        new("UGX", "Ugandan Shilling", "szyling ugandyjski"),
        new("USD", "US Dollar", "dolar amerykański"),
        new("UYU", "Uruguayan Peso", "peso urugwajskie"),
        new("UZS", "Uzbekistani Som", "som uzbecki"),
        new("VED", "Bolívar Soberano", "boliwar soberano"),
        new("VES", "Venezuelan Bolívar", "boliwar wenezuelski"),
        new("VND", "Vietnamese Dong", "dong wietnamski"),
        new("VUV", "Vanuatu Vatu", "vatu wanuackie"),
        new("WST", "Samoan Tala", "tala samoańskie"),
        new("XAF", "Central African CFA Franc", "frank CFA BEAC"),
        new("XCD", "East Caribbean Dollar", "dolar wschodniokaraibski"),
        new("XCG", "Caribbean guilder", "gulden karaibski"),
        new("XOF", "West African CFA Franc", "frank CFA"),
        new("XPF", "CFP Franc", "frank CFP"),
        new("YER", "Yemeni Rial", "rial jemeński"),
        new("ZAR", "South African Rand", "rand południowoafrykański"),
        new("ZMW", "Zambian Kwacha", "kwacha zambijska"),
        new("ZWG", "Zimbabwean Gold", "złoto Zimbabwe"),
    ];
}
