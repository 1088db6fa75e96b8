-- How reports arrive: count per intake channel.
SELECT r.channel, count(*) AS reports
FROM reports r
WHERE /*filters*/
GROUP BY r.channel
ORDER BY reports DESC, r.channel
