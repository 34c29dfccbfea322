//! The demo's agencies: ten real central agencies with plausible (simplified) unit trees,
//! their buildings, and the shape of their phone numbers. Unit names follow the real
//! 실/국/과 pattern but the trees are abridged; people and numbers are made up.

/// One unit and its children.
pub struct UnitSpec {
    pub ko: &'static str,
    pub en: &'static str,
    pub children: &'static [UnitSpec],
}

pub struct AgencySpec {
    pub code: &'static str,
    pub ko: &'static str,
    pub en: &'static str,
    /// The agency's head and deputy positions (장관/차관, 처장/차장, 사무총장/사무차장).
    pub head: (&'static str, &'static str),
    /// Fictional office numbers: area code and exchange, e.g. `044-9xx`; line numbers are
    /// appended. The exchanges are chosen outside the agencies' real ranges.
    pub phone_prefix: &'static str,
    pub building: &'static str,
    pub units: &'static [UnitSpec],
}

const fn u(ko: &'static str, en: &'static str, children: &'static [UnitSpec]) -> UnitSpec {
    UnitSpec { ko, en, children }
}

/// Positions (직위) under the agency head and deputy, in order.
pub const POSITIONS: [(&str, &str); 6] = [
    ("실장", "Director General (Office)"),
    ("국장", "Director General (Bureau)"),
    ("과장", "Director (Division)"),
    ("서기관", "Deputy Director (Senior)"),
    ("사무관", "Deputy Director"),
    ("주무관", "Officer"),
];

/// Grades (직급), highest first.
pub const GRADES: [(&str, &str); 9] = [
    ("고위공무원 가급", "Senior Civil Service Grade A"),
    ("고위공무원 나급", "Senior Civil Service Grade B"),
    ("3급", "Grade 3"),
    ("4급", "Grade 4"),
    ("5급", "Grade 5"),
    ("6급", "Grade 6"),
    ("7급", "Grade 7"),
    ("8급", "Grade 8"),
    ("9급", "Grade 9"),
];

pub const AGENCIES: [AgencySpec; 10] = [
    AgencySpec {
        code: "nas",
        ko: "국회사무처",
        en: "National Assembly Secretariat",
        head: ("사무총장", "Secretary General"),
        phone_prefix: "02-788-0",
        building: "국회의사당 본관",
        units: &[
            u(
                "기획조정실",
                "Office of Planning and Coordination",
                &[
                    u("기획예산담당관실", "Planning and Budget Division", &[]),
                    u(
                        "혁신행정담당관실",
                        "Administrative Innovation Division",
                        &[],
                    ),
                ],
            ),
            u(
                "의사국",
                "Bureau of Legislative Proceedings",
                &[
                    u("의사과", "Proceedings Division", &[]),
                    u("의안과", "Bills Division", &[]),
                ],
            ),
            u(
                "국제국",
                "Bureau of International Affairs",
                &[u("국제협력과", "International Cooperation Division", &[])],
            ),
        ],
    },
    AgencySpec {
        code: "mois",
        ko: "행정안전부",
        en: "Ministry of the Interior and Safety",
        head: ("장관", "Minister"),
        phone_prefix: "044-905-",
        building: "정부세종청사 중앙동",
        units: &[
            u(
                "기획조정실",
                "Office of Planning and Coordination",
                &[
                    u("기획재정담당관", "Planning and Finance Division", &[]),
                    u("혁신행정담당관", "Administrative Innovation Division", &[]),
                ],
            ),
            u(
                "디지털정부혁신실",
                "Office of Digital Government Innovation",
                &[u(
                    "디지털정부정책국",
                    "Digital Government Policy Bureau",
                    &[
                        u(
                            "디지털정부정책과",
                            "Digital Government Policy Division",
                            &[],
                        ),
                        u("공공데이터정책과", "Public Data Policy Division", &[]),
                    ],
                )],
            ),
            u(
                "재난안전관리본부",
                "Disaster and Safety Management Headquarters",
                &[u(
                    "안전정책국",
                    "Safety Policy Bureau",
                    &[u("안전정책과", "Safety Policy Division", &[])],
                )],
            ),
        ],
    },
    AgencySpec {
        code: "moef",
        ko: "기획재정부",
        en: "Ministry of Economy and Finance",
        head: ("장관", "Minister"),
        phone_prefix: "044-915-",
        building: "정부세종청사 4동",
        units: &[
            u(
                "예산실",
                "Office of Budget",
                &[u(
                    "예산총괄심의관",
                    "Budget Coordination Bureau",
                    &[
                        u("예산총괄과", "Budget Policy Division", &[]),
                        u("예산기준과", "Budget Standards Division", &[]),
                    ],
                )],
            ),
            u(
                "경제정책국",
                "Economic Policy Bureau",
                &[
                    u("종합정책과", "Economic Policy Division", &[]),
                    u("정책조정과", "Policy Coordination Division", &[]),
                ],
            ),
        ],
    },
    AgencySpec {
        code: "me",
        ko: "환경부",
        en: "Ministry of Environment",
        head: ("장관", "Minister"),
        phone_prefix: "044-901-",
        building: "정부세종청사 6동",
        units: &[
            u(
                "기후탄소정책실",
                "Office of Climate and Carbon Policy",
                &[u(
                    "기후변화정책관",
                    "Climate Change Policy Bureau",
                    &[
                        u("기후전략과", "Climate Strategy Division", &[]),
                        u("기후적응과", "Climate Adaptation Division", &[]),
                    ],
                )],
            ),
            u(
                "물관리정책실",
                "Office of Water Policy",
                &[
                    u("물정책총괄과", "Water Policy Division", &[]),
                    u("수자원정책과", "Water Resources Division", &[]),
                ],
            ),
            u(
                "자원순환국",
                "Resource Circulation Bureau",
                &[u(
                    "자원순환정책과",
                    "Resource Circulation Policy Division",
                    &[],
                )],
            ),
        ],
    },
    AgencySpec {
        code: "msit",
        ko: "과학기술정보통신부",
        en: "Ministry of Science and ICT",
        head: ("장관", "Minister"),
        phone_prefix: "044-902-",
        building: "정부세종청사 4동",
        units: &[
            u(
                "정보통신정책실",
                "Office of ICT Policy",
                &[u(
                    "인공지능기반정책관",
                    "AI Policy Bureau",
                    &[
                        u("인공지능기반정책과", "AI Policy Division", &[]),
                        u("데이터진흥과", "Data Promotion Division", &[]),
                    ],
                )],
            ),
            u(
                "연구개발정책실",
                "Office of R&D Policy",
                &[u("연구개발정책과", "R&D Policy Division", &[])],
            ),
        ],
    },
    AgencySpec {
        code: "moe",
        ko: "교육부",
        en: "Ministry of Education",
        head: ("장관", "Minister"),
        phone_prefix: "044-903-",
        building: "정부세종청사 14동",
        units: &[
            u(
                "기획조정실",
                "Office of Planning and Coordination",
                &[u(
                    "정책기획관",
                    "Policy Planning Bureau",
                    &[u(
                        "교육정책기획과",
                        "Education Policy Planning Division",
                        &[],
                    )],
                )],
            ),
            u(
                "책임교육정책실",
                "Office of Responsible Education Policy",
                &[u(
                    "학교정책관",
                    "School Policy Bureau",
                    &[
                        u("학교혁신지원과", "School Innovation Division", &[]),
                        u("교원정책과", "Teacher Policy Division", &[]),
                    ],
                )],
            ),
        ],
    },
    AgencySpec {
        code: "mohw",
        ko: "보건복지부",
        en: "Ministry of Health and Welfare",
        head: ("장관", "Minister"),
        phone_prefix: "044-912-",
        building: "정부세종청사 10동",
        units: &[
            u(
                "복지정책실",
                "Office of Welfare Policy",
                &[u(
                    "복지정책관",
                    "Welfare Policy Bureau",
                    &[
                        u("기초생활보장과", "Basic Livelihood Security Division", &[]),
                        u("복지정책과", "Welfare Policy Division", &[]),
                    ],
                )],
            ),
            u(
                "보건의료정책실",
                "Office of Healthcare Policy",
                &[
                    u("보건의료정책과", "Healthcare Policy Division", &[]),
                    u("의료인력정책과", "Health Workforce Division", &[]),
                ],
            ),
        ],
    },
    AgencySpec {
        code: "molit",
        ko: "국토교통부",
        en: "Ministry of Land, Infrastructure and Transport",
        head: ("장관", "Minister"),
        phone_prefix: "044-921-",
        building: "정부세종청사 6동",
        units: &[
            u(
                "국토도시실",
                "Office of National Territory and Urban Policy",
                &[u(
                    "국토정책관",
                    "National Territory Policy Bureau",
                    &[u("국토정책과", "National Territory Policy Division", &[])],
                )],
            ),
            u(
                "주택토지실",
                "Office of Housing and Land",
                &[u(
                    "주택정책관",
                    "Housing Policy Bureau",
                    &[
                        u("주택정책과", "Housing Policy Division", &[]),
                        u("주택기금과", "Housing Fund Division", &[]),
                    ],
                )],
            ),
            u(
                "교통물류실",
                "Office of Transport and Logistics",
                &[u("교통정책조정과", "Transport Policy Division", &[])],
            ),
        ],
    },
    AgencySpec {
        code: "motie",
        ko: "산업통상자원부",
        en: "Ministry of Trade, Industry and Energy",
        head: ("장관", "Minister"),
        phone_prefix: "044-923-",
        building: "정부세종청사 13동",
        units: &[
            u(
                "산업정책실",
                "Office of Industrial Policy",
                &[u(
                    "산업정책관",
                    "Industrial Policy Bureau",
                    &[
                        u("산업정책과", "Industrial Policy Division", &[]),
                        u(
                            "산업일자리혁신과",
                            "Industrial Jobs Innovation Division",
                            &[],
                        ),
                    ],
                )],
            ),
            u(
                "에너지정책실",
                "Office of Energy Policy",
                &[u("에너지정책과", "Energy Policy Division", &[])],
            ),
        ],
    },
    AgencySpec {
        code: "mpm",
        ko: "인사혁신처",
        en: "Ministry of Personnel Management",
        head: ("처장", "Minister"),
        phone_prefix: "044-931-",
        building: "정부세종청사 7동",
        units: &[
            u(
                "기획조정관",
                "Planning and Coordination Bureau",
                &[u("기획재정담당관", "Planning and Finance Division", &[])],
            ),
            u(
                "인사혁신국",
                "Personnel Innovation Bureau",
                &[
                    u(
                        "인사혁신기획과",
                        "Personnel Innovation Planning Division",
                        &[],
                    ),
                    u("인재개발과", "Talent Development Division", &[]),
                ],
            ),
            u(
                "윤리복무국",
                "Ethics and Service Bureau",
                &[u("복무과", "Public Service Division", &[])],
            ),
        ],
    },
];

/// The demo's extra directory fields: (key, label ko, label en, kind, searchable).
pub const EXTRA_FIELDS: [(&str, &str, &str, &str, bool); 2] = [
    ("duty", "담당업무", "Duties", "text", true),
    ("fax", "팩스", "Fax", "phone", false),
];

/// Duties the demo gives staff, by a unit's last character class (과 or other).
pub const DUTIES: [&str; 8] = [
    "예산 편성",
    "국회 업무 협조",
    "정책 기획",
    "법령 제·개정",
    "대외 협력",
    "성과 관리",
    "정보화 사업",
    "민원 대응",
];
