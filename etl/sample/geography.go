package sample

// The geography of the NHS in England: the 7 NHS England regions and the 42
// Integrated Care Boards (ICBs) with their ODS codes, plus the facts the
// generator uses to make the sample realistic (registered population and a
// typical deprivation score per ICB, and real place names to build PCN names).

type region struct {
	code, name string
	// wa is the typical working-age share of the population in the region.
	wa float64
}

var regions = []region{
	{"Y56", "London", 0.665},
	{"Y58", "South West", 0.595},
	{"Y59", "South East", 0.610},
	{"Y60", "Midlands", 0.615},
	{"Y61", "East of England", 0.605},
	{"Y62", "North West", 0.615},
	{"Y63", "North East and Yorkshire", 0.612},
}

func regionName(code string) string {
	for _, r := range regions {
		if r.code == code {
			return r.name
		}
	}
	return ""
}

func regionWA(code string) float64 {
	for _, r := range regions {
		if r.code == code {
			return r.wa
		}
	}
	return 0.61
}

type icb struct {
	code, name, region string
	popM               float64 // registered population, millions (approximate)
	imd                float64 // typical IMD score of its PCNs
	towns              []string
	// special PCN names given to the first PCNs of the ICB (exercise CSV quoting).
	special []string
}

// icbs lists the 42 ICBs in region order (north to south, as NHS England lists them).
var icbs = []icb{
	// North East and Yorkshire
	{"QHM", "NHS North East and North Cumbria ICB", "Y63", 3.2, 30,
		[]string{"Newcastle", "Gateshead", "Sunderland", "Durham", "Darlington", "Hartlepool", "Middlesbrough", "Stockton", "Redcar", "Carlisle", "South Tyneside", "North Tyneside", "Blyth", "Hexham", "Bishop Auckland", "Washington", "Jarrow", "Whitley Bay", "Workington", "Consett"},
		[]string{"Penrith, Eden & Alston Moor PCN"}},
	{"QOQ", "NHS Humber and North Yorkshire ICB", "Y63", 1.8, 23,
		[]string{"Hull", "York", "Scarborough", "Harrogate", "Grimsby", "Scunthorpe", "Beverley", "Bridlington", "Selby", "Northallerton", "Whitby", "Goole", "Cleethorpes", "Ripon", "Malton", "Holderness"},
		[]string{"Whitby & Esk Valley PCN"}},
	{"QF7", "NHS South Yorkshire ICB", "Y63", 1.5, 30,
		[]string{"Sheffield", "Rotherham", "Doncaster", "Barnsley", "Mexborough", "Maltby", "Thorne", "Penistone", "Dearne", "Hillsborough", "Stocksbridge", "Wath", "Darnall", "Adwick"},
		nil},
	{"QWO", "NHS West Yorkshire ICB", "Y63", 2.6, 28,
		[]string{"Bradford City", "Leeds", "Wakefield", "Huddersfield", "Halifax", "Keighley", "Dewsbury", "Batley", "Pontefract", "Castleford", "Otley", "Shipley", "Calder Valley", "Airedale", "Morley", "Seacroft", "Chapeltown", "Holmfirth"},
		[]string{"Haworth, Brontë Moor PCN", "Bradford City 4 PCN"}},
	// North West
	{"QE1", "NHS Lancashire and South Cumbria ICB", "Y62", 1.8, 28,
		[]string{"Blackpool", "Preston", "Lancaster", "Morecambe", "Blackburn", "Burnley", "Barrow-in-Furness", "Kendal", "Chorley", "Fleetwood", "Accrington", "Pendle", "Lytham", "Skelmersdale", "Ormskirk", "Darwen"},
		nil},
	{"QOP", "NHS Greater Manchester ICB", "Y62", 3.2, 30,
		[]string{"Manchester", "Salford", "Bolton", "Wigan", "Oldham", "Rochdale", "Stockport", "Tameside", "Bury", "Trafford", "Moss Side", "Cheetham Hill", "Leigh", "Ashton-under-Lyne", "Heywood", "Middleton", "Sale", "Eccles", "Wythenshawe", "Hyde", "Gorton", "Levenshulme"},
		[]string{"Cheetham Hill & Crumpsall PCN"}},
	{"QYG", "NHS Cheshire and Merseyside ICB", "Y62", 2.7, 29,
		[]string{"Liverpool", "Birkenhead", "Wallasey", "St Helens", "Warrington", "Widnes", "Runcorn", "Southport", "Bootle", "Crewe", "Chester", "Macclesfield", "Knowsley", "Ellesmere Port", "Kirkby", "Congleton", "Anfield", "Everton"},
		nil},
	// Midlands
	{"QHL", "NHS Birmingham and Solihull ICB", "Y60", 1.4, 36,
		[]string{"Birmingham", "Solihull", "Sutton Coldfield", "Edgbaston", "Erdington", "Handsworth", "Sparkbrook", "Small Heath", "Kings Heath", "Northfield", "Selly Oak", "Ladywood", "Castle Bromwich", "Shirley", "Chelmsley Wood", "Aston"},
		[]string{"Sparkhill, Sparkbrook & Balsall Heath PCN"}},
	{"QUA", "NHS Black Country ICB", "Y60", 1.3, 33,
		[]string{"Wolverhampton", "Dudley", "Walsall", "Sandwell", "West Bromwich", "Stourbridge", "Halesowen", "Oldbury", "Tipton", "Wednesbury", "Brierley Hill", "Bilston", "Smethwick", "Darlaston"},
		nil},
	{"QWU", "NHS Coventry and Warwickshire ICB", "Y60", 1.1, 20,
		[]string{"Coventry", "Warwick", "Leamington Spa", "Nuneaton", "Rugby", "Bedworth", "Stratford-upon-Avon", "Kenilworth", "Atherstone", "Southam", "Foleshill"},
		nil},
	{"QGH", "NHS Herefordshire and Worcestershire ICB", "Y60", 0.8, 17,
		[]string{"Worcester", "Hereford", "Kidderminster", "Redditch", "Bromsgrove", "Malvern", "Evesham", "Leominster", "Ledbury", "Droitwich", "Pershore", "Ross-on-Wye"},
		nil},
	{"QOC", "NHS Shropshire, Telford and Wrekin ICB", "Y60", 0.5, 19,
		[]string{"Shrewsbury", "Telford", "Oswestry", "Wellington", "Newport", "Bridgnorth", "Ludlow", "Market Drayton", "Whitchurch", "Church Stretton"},
		nil},
	{"QNC", "NHS Staffordshire and Stoke-on-Trent ICB", "Y60", 1.2, 24,
		[]string{"Stoke-on-Trent", "Stafford", "Newcastle-under-Lyme", "Burton upon Trent", "Tamworth", "Lichfield", "Cannock", "Leek", "Stone", "Hanley", "Longton", "Uttoxeter", "Biddulph"},
		nil},
	{"QJ2", "NHS Derby and Derbyshire ICB", "Y60", 1.1, 21,
		[]string{"Derby", "Chesterfield", "Buxton", "Matlock", "Ilkeston", "Long Eaton", "Belper", "Glossop", "Swadlincote", "Bolsover", "Ripley", "Ashbourne", "Heanor", "Dronfield"},
		nil},
	{"QJM", "NHS Lincolnshire ICB", "Y60", 0.8, 23,
		[]string{"Lincoln", "Boston", "Grantham", "Skegness", "Spalding", "Gainsborough", "Louth", "Sleaford", "Stamford", "Mablethorpe", "Horncastle", "Bourne"},
		nil},
	{"QK1", "NHS Leicester, Leicestershire and Rutland ICB", "Y60", 1.2, 21,
		[]string{"Leicester City", "Loughborough", "Hinckley", "Melton Mowbray", "Oakham", "Market Harborough", "Coalville", "Wigston", "Oadby", "Lutterworth", "Uppingham", "Belgrave", "Syston"},
		nil},
	{"QPM", "NHS Northamptonshire ICB", "Y60", 0.8, 19,
		[]string{"Northampton", "Kettering", "Corby", "Wellingborough", "Daventry", "Rushden", "Towcester", "Brackley", "Oundle", "Thrapston"},
		nil},
	{"QT1", "NHS Nottingham and Nottinghamshire ICB", "Y60", 1.2, 24,
		[]string{"Nottingham City", "Mansfield", "Newark", "Worksop", "Retford", "Hucknall", "Beeston", "West Bridgford", "Arnold", "Sutton-in-Ashfield", "Kirkby-in-Ashfield", "Bulwell", "Clifton", "Southwell"},
		nil},
	// East of England
	{"QUE", "NHS Cambridgeshire and Peterborough ICB", "Y61", 1.0, 17,
		[]string{"Cambridge", "Peterborough", "Huntingdon", "Ely", "Wisbech", "St Neots", "St Ives", "March", "Whittlesey", "Soham", "Chatteris"},
		nil},
	{"QM7", "NHS Hertfordshire and West Essex ICB", "Y61", 1.6, 13,
		[]string{"Watford", "St Albans", "Stevenage", "Hemel Hempstead", "Harlow", "Hertford", "Welwyn Garden City", "Hatfield", "Hitchin", "Letchworth", "Epping", "Bishop's Stortford", "Cheshunt", "Ware", "Borehamwood", "Loughton"},
		nil},
	{"QHG", "NHS Bedfordshire, Luton and Milton Keynes ICB", "Y61", 1.1, 19,
		[]string{"Luton", "Bedford", "Milton Keynes", "Dunstable", "Leighton Buzzard", "Biggleswade", "Bletchley", "Kempston", "Ampthill", "Sandy", "Newport Pagnell", "Houghton Regis"},
		nil},
	{"QMM", "NHS Norfolk and Waveney ICB", "Y61", 1.1, 20,
		[]string{"Norwich", "Great Yarmouth", "Lowestoft", "King's Lynn", "Thetford", "Dereham", "Cromer", "North Walsham", "Wymondham", "Diss", "Fakenham", "Swaffham", "Beccles", "Downham Market"},
		nil},
	{"QJG", "NHS Suffolk and North East Essex ICB", "Y61", 1.1, 18,
		[]string{"Ipswich", "Colchester", "Bury St Edmunds", "Felixstowe", "Clacton-on-Sea", "Harwich", "Sudbury", "Stowmarket", "Woodbridge", "Haverhill", "Newmarket", "Mildenhall", "Saxmundham"},
		nil},
	{"QH8", "NHS Mid and South Essex ICB", "Y61", 1.2, 19,
		[]string{"Southend-on-Sea", "Basildon", "Chelmsford", "Thurrock", "Grays", "Brentwood", "Billericay", "Rayleigh", "Maldon", "Wickford", "Canvey Island", "Tilbury", "Witham", "Braintree", "Leigh-on-Sea"},
		nil},
	// London
	{"QMF", "NHS North East London ICB", "Y56", 2.2, 29,
		[]string{"Newham", "Tower Hamlets", "Hackney", "Barking", "Dagenham", "Havering", "Romford", "Redbridge", "Ilford", "Waltham Forest", "Walthamstow", "Leyton", "Stratford", "Whitechapel", "Poplar", "Shoreditch", "Hornchurch"},
		[]string{"Bethnal Green, Bow & Poplar PCN"}},
	{"QMJ", "NHS North Central London ICB", "Y56", 1.7, 23,
		[]string{"Camden", "Islington", "Haringey", "Barnet", "Enfield", "Tottenham", "Finchley", "Hornsey", "Kentish Town", "Edmonton", "Holloway", "Highbury", "Hampstead", "Wood Green"},
		nil},
	{"QRV", "NHS North West London ICB", "Y56", 2.8, 21,
		[]string{"Brent", "Ealing", "Hammersmith", "Fulham", "Harrow", "Hillingdon", "Hounslow", "Kensington", "Chelsea", "Westminster", "Southall", "Wembley", "Uxbridge", "Acton", "Paddington", "Feltham", "Kilburn"},
		nil},
	{"QKK", "NHS South East London ICB", "Y56", 2.0, 24,
		[]string{"Lambeth", "Southwark", "Lewisham", "Greenwich", "Bexley", "Bromley", "Peckham", "Brixton", "Woolwich", "Catford", "Deptford", "Eltham", "Orpington", "Bermondsey", "Sidcup", "Streatham"},
		nil},
	{"QWE", "NHS South West London ICB", "Y56", 1.6, 15,
		[]string{"Croydon", "Sutton", "Merton", "Wandsworth", "Kingston", "Richmond", "Wimbledon", "Mitcham", "Tooting", "Battersea", "Putney", "Thornton Heath", "Purley", "Twickenham", "Carshalton", "Morden"},
		nil},
	// South East
	{"QKS", "NHS Kent and Medway ICB", "Y59", 1.9, 21,
		[]string{"Ashford", "Canterbury", "Maidstone", "Medway", "Chatham", "Gillingham", "Dover", "Folkestone", "Margate", "Ramsgate", "Tunbridge Wells", "Sevenoaks", "Dartford", "Gravesend", "Sittingbourne", "Faversham", "Deal", "Whitstable", "Herne Bay", "Swanley"},
		[]string{`Margate "Old Town" PCN`, "Central Ashford PCN"}},
	{"QNQ", "NHS Frimley ICB", "Y59", 0.8, 12,
		[]string{"Frimley", "Camberley", "Farnborough", "Aldershot", "Slough", "Bracknell", "Windsor", "Maidenhead", "Farnham", "Fleet", "Sandhurst", "Ascot", "Yateley"},
		nil},
	{"QNX", "NHS Sussex ICB", "Y59", 1.8, 18,
		[]string{"Brighton", "Hove", "Eastbourne", "Hastings", "Worthing", "Crawley", "Horsham", "Chichester", "Bognor Regis", "Lewes", "Bexhill", "Burgess Hill", "Haywards Heath", "Seaford", "Littlehampton", "Shoreham", "Uckfield"},
		[]string{"Rye, Winchelsea & Camber PCN"}},
	{"QRL", "NHS Hampshire and Isle of Wight ICB", "Y59", 1.9, 15,
		[]string{"Southampton", "Portsmouth", "Winchester", "Basingstoke", "Andover", "Isle of Wight", "Ryde", "Fareham", "Gosport", "Havant", "Eastleigh", "Romsey", "Petersfield", "Alton", "Lymington", "Waterlooville", "New Forest"},
		nil},
	{"QU9", "NHS Buckinghamshire, Oxfordshire and Berkshire West ICB", "Y59", 1.9, 11,
		[]string{"Oxford", "Reading", "Banbury", "Bicester", "Witney", "Abingdon", "Didcot", "High Wycombe", "Aylesbury", "Newbury", "Wokingham", "Marlow", "Chesham", "Amersham", "Thame", "Wantage", "Henley"},
		nil},
	{"QXU", "NHS Surrey Heartlands ICB", "Y59", 1.1, 10,
		[]string{"Guildford", "Woking", "Epsom", "Redhill", "Reigate", "Dorking", "Leatherhead", "Weybridge", "Staines", "Walton", "Cranleigh", "Godalming", "Haslemere", "Caterham", "Oxted", "Horley"},
		nil},
	// South West
	{"QJK", "NHS Devon ICB", "Y58", 1.3, 19,
		[]string{"Exeter", "Plymouth", "Torquay", "Paignton", "Barnstaple", "Newton Abbot", "Tiverton", "Exmouth", "Bideford", "Okehampton", "Tavistock", "Honiton", "Totnes", "Dartmouth", "Ilfracombe", "Brixham", "Crediton", "Teignmouth"},
		[]string{"St Mary's & Riverside PCN"}},
	{"QOX", "NHS Bath and North East Somerset, Swindon and Wiltshire ICB", "Y58", 1.0, 14,
		[]string{"Bath", "Swindon", "Salisbury", "Chippenham", "Trowbridge", "Devizes", "Warminster", "Marlborough", "Melksham", "Calne", "Keynsham", "Midsomer Norton", "Radstock", "Corsham", "Royal Wootton Bassett", "Highworth"},
		[]string{`Swindon "Old Town" & Lawn PCN`}},
	{"QR1", "NHS Gloucestershire ICB", "Y58", 0.7, 14,
		[]string{"Gloucester", "Cheltenham", "Stroud", "Tewkesbury", "Cirencester", "Forest of Dean", "Cinderford", "Lydney", "Dursley", "Stow-on-the-Wold", "Coleford"},
		nil},
	{"QSL", "NHS Somerset ICB", "Y58", 0.6, 17,
		[]string{"Taunton", "Yeovil", "Bridgwater", "Frome", "Wells", "Minehead", "Glastonbury", "Street", "Shepton Mallet", "Chard", "Burnham-on-Sea", "Crewkerne"},
		nil},
	{"QT6", "NHS Cornwall and the Isles of Scilly ICB", "Y58", 0.6, 24,
		[]string{"Truro", "Penzance", "St Austell", "Camborne", "Redruth", "Falmouth", "Newquay", "Bodmin", "Liskeard", "Launceston", "Bude", "Saltash", "Helston", "Hayle", "Isles of Scilly"},
		[]string{"Penwith, St Just & Pendeen PCN"}},
	{"QUY", "NHS Bristol, North Somerset and South Gloucestershire ICB", "Y58", 1.0, 18,
		[]string{"Bristol", "Weston-super-Mare", "Clevedon", "Portishead", "Nailsea", "Yate", "Thornbury", "Kingswood", "Filton", "Bradley Stoke", "Southmead", "Bedminster", "Knowle", "Lawrence Hill", "Hartcliffe"},
		nil},
	{"QVV", "NHS Dorset ICB", "Y58", 0.8, 16,
		[]string{"Bournemouth", "Poole", "Dorchester", "Weymouth", "Christchurch", "Bridport", "Blandford", "Sherborne", "Shaftesbury", "Wimborne", "Swanage", "Portland", "Ferndown", "Lyme Regis", "Wareham"},
		nil},
}

// demoICBs are the ICBs (and their PCN counts) of the demo scale: 40 PCNs in 7
// ICBs spread over 6 regions, including some of the most and least deprived.
var demoICBs = []struct {
	code string
	n    int
}{
	{"QHM", 7}, {"QWO", 7}, {"QOP", 7}, {"QHL", 5}, {"QMF", 5}, {"QKS", 5}, {"QJK", 4},
}

// nationalPCNs is the target number of PCNs at national scale.
const nationalPCNs = 1250

func findICB(code string) *icb {
	for i := range icbs {
		if icbs[i].code == code {
			return &icbs[i]
		}
	}
	return nil
}
