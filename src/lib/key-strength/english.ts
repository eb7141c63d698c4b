// Statistics of English text for the key-strength models. Data only.

/**
 * Letter pairs: entry 27 * a + b is -log2 P(b follows a) in quarter bits, as one base64url
 * character (0-63). Letters a-z are 0-25; 26 is a word boundary (row 26: the first letter of a
 * word, column 26: the word ends). Counted over the English prose of the README files of this
 * project's dependencies (358,000 words), with add-one-half smoothing.
 */
export const LETTER_PAIRS: string =
  'yURSvfV0VjcNTK_WzNPMXYiiXrOPkegIwooQPtLisQl_RVaLwv4P_SNsapN02MTvTSl0Jo0TeLSuw_d6S' +
  'RglTJrgpOpuYgnRq7aUiWlp3d-FUfSPZXdlftyXWPmYcMNTnZeVc4GOxetRV__LzuZppJ4_RiQQ___S_I' +
  'XqruJlXQP3_WZVXr_TUeSxx_jtFMu3pEy-2O-xjfmOr0VgUc-3-i7MWYRUUSV6vwfQTINZtYMMxZ_Z_cZ' +
  'Pgq2F22nX2qo2vSnsqGlSSk222bQbrdHagiLwwhoWdh5qNjduh5k5HQgmUKikvLujMuiOe_jWTRej_R2L' +
  'JXsgIvczMp7gUmONtvYvWl4vi2LUuRNRaMpVndakcPb3rONdd02YxIcXYSgQZxgiZWRKXS_KYSPWUoqwM' +
  'MwtZKulgR5zNXnOR_MVPUgywV_RxxqxxxxxcxxSxxxnxnXnBqxxxxUPoYZIcYlO6aZVWOg8UQSZdf_X-J' +
  'YzWqLl4VQ7jfjmRXpeSMTqiwc_FRucnNorIMy9fqjNg2SUYX-Y_U0JZUWWQdT4V6oNSOmQ_LLMt26pzsR' +
  'K2quEvgzL9uuzmX29sisamxzq9NKrxmQyjLH_1hyTOz_UTsx_y_1_OK4UoN4rkQ44ni4iJ4xnLx44od4I' +
  'emducllxa_wagUMP_UTbthZ__rDKvllDvvhOvoZvvVjvgivXvolXZUMTQTURaXPdeWUUQSnTPLVYSsas_'

/**
 * Common English words, most frequent first, and words people put in secrets (password,
 * secret, session, production, months, days, ...). A word of rank r has weight 1 / (r + 20).
 */
export const COMMON_WORDS: string =
  'the of and to a in is it you that he was for on are with as i his they be at one have this ' +
  'from or had by not word but what some we can out other were all there when up use your how ' +
  'said an each she which do their time if will way about many then them write would like so ' +
  'these her long make thing see him two has look more day could go come did number sound no ' +
  'most people my over know water than call first who may down side been now find any new ' +
  'work part take get place made live where after back little only round man year came show ' +
  'every good me give our under name very through just form sentence great think say help low ' +
  'line differ turn cause much mean before move right boy old too same tell does set three ' +
  'want air well also play small end put home read hand port large spell add even land here ' +
  'must big high such follow act why ask men change went light kind off need house picture ' +
  'try us again animal point mother world near build self earth father head stand own page ' +
  'should country found answer school grow study still learn plant cover food sun four ' +
  'between state keep eye never last let thought city tree cross farm hard start might story ' +
  'saw far sea draw left late run while press close night real life few north open seem ' +
  'together next white children begin got walk example ease paper group always music those ' +
  'both mark often letter until mile river car feet care second book carry took science eat ' +
  'room friend began idea fish mountain stop once base hear horse cut sure watch color face ' +
  'wood main enough plain girl usual young ready above ever red list though feel talk bird ' +
  'soon body dog family direct pose leave song measure door product black short numeral class ' +
  'wind question happen complete ship area half rock order fire south problem piece told knew ' +
  'pass since top whole king space heard best hour better true during hundred five remember ' +
  'step early hold west ground interest reach fast verb sing listen six table travel less ' +
  'morning ten simple several vowel toward war lay against pattern slow center love person ' +
  'money serve appear road map rain rule govern pull cold notice voice unit power town fine ' +
  'certain fly fall lead cry dark machine note wait plan figure star box noun field rest ' +
  'correct able pound done beauty drive stood contain front teach week final gave green quick ' +
  'develop ocean warm free minute strong special mind behind clear tail produce fact street ' +
  'inch multiply nothing course stay wheel full force blue object decide surface deep moon ' +
  'island foot system busy test record boat common gold possible plane stead dry wonder laugh ' +
  'thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant ' +
  'fill east paint language among password secret key session cookie token admin root user ' +
  'login letmein welcome hello iloveyou dragon monkey master shadow sunshine princess ' +
  'football baseball soccer superman batman trustno qwerty abc dev development prod ' +
  'production staging local localhost default sample demo changeme super secure security ' +
  'private public app application server company corp inc api auth sign signing encrypt ' +
  'encryption hash salt random string value env environment config configuration share commit ' +
  'replace guess nobody forever summer winter spring autumn january february march april june ' +
  'july august september october november december monday tuesday wednesday thursday friday ' +
  'saturday sunday orange purple yellow apple banana cherry battery staple window brown fox ' +
  'jumps lazy please safe mysecret mykey thisis its testing tests values data node express ' +
  'web site service backend frontend project team staff office internal external'
